using FaceGen.Runtime;

namespace FaceGen.Tests;

/// <summary>Executes a notebook of the series headless exactly as a user would (same first cell, quick profile)
/// and fails the test on any cell error.</summary>
public static class NotebookHarness
{
    public static NotebookRun Execute(string name)
    {
        var library = Path.Combine(TestPaths.RepoRoot, "lib", "FaceGen", "bin", "Release", "net10.0", "FaceGen.dll");
        Assert.True(File.Exists(library), $"{library} is missing: the notebooks load the Release build; run `dotnet build -c Release` (CI's `dotnet test -c Release` does).");
        var notebook = Path.Combine(TestPaths.RepoRoot, "notebooks", name);
        var run = NotebookRunner.Run(notebook, Path.Combine(TestPaths.NewTempFolder("facegen-nb"), name), profile: "quick");
        Assert.True(run.Succeeded, $"{name} failed after {run.Elapsed.TotalSeconds:F1} s:\n{string.Join("\n", run.Errors)}");
        return run;
    }

    /// <summary>How often <paramref name="what"/> occurs in <paramref name="text"/>.</summary>
    public static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}
