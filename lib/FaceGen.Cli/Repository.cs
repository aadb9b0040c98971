namespace FaceGen.Cli;

/// <summary>Where the repository is, for commands that use its files (the notebooks).</summary>
public static class Repository
{
    /// <summary>The repository root: the working directory or one above it with FaceGenNotebooks.sln.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceGenNotebooks.sln"))) return dir.FullName;
        throw new IOException($"{Environment.CurrentDirectory}: not inside the FaceGen Notebooks repository (no FaceGenNotebooks.sln above it); run from the repository.");
    }
}
