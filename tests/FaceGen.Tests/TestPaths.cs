namespace FaceGen.Tests;

/// <summary>Where the repository and the optional real data (<c>../shared/data</c> beside the repository) are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>FACEGEN_TEST_DATA</c>, else <c>../shared/data</c> next to the repository root.</summary>
    public static string SharedData { get; } =
        Environment.GetEnvironmentVariable("FACEGEN_TEST_DATA") is { Length: > 0 } d ? d
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string AttFaces => Path.Combine(SharedData, "att_faces");
    public static string UtkFace => Path.Combine(SharedData, "utkface");

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string NewTempFolder(string prefix = "facegen-test")
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceGenNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"FaceGenNotebooks.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that needs the real data in <c>../shared/data</c>; skipped, with the reason, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string subfolder)
    {
        var path = Path.Combine(TestPaths.SharedData, subfolder);
        if (!Directory.Exists(path))
            Skip = $"real data folder {path} is absent (set FACEGEN_TEST_DATA or place shared/data beside the repository)";
    }
}
