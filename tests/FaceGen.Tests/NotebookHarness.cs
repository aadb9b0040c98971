using FaceGen.Runtime;
using FaceGen.Visualization;

namespace FaceGen.Tests;

/// <summary>Executes a notebook of the series headless exactly as a user would (same first cell, quick profile)
/// and fails the test on any cell error or on an output that is a text dump of a <c>ChartHtml</c> (a live view
/// started as text); then publishes it as a page, as <c>facegen notebooks run</c> does, and when chromium is
/// installed opens that page in it (<see cref="NotebookPageBrowser"/>): every chart drawn, every image loaded,
/// every formula typeset, no script error. The screenshot lands beside the page in the run folder.</summary>
public static class NotebookHarness
{
    public static NotebookRun Execute(string name)
    {
        var library = Path.Combine(TestPaths.RepoRoot, "lib", "FaceGen", "bin", "Release", "net10.0", "FaceGen.dll");
        Assert.True(File.Exists(library), $"{library} is missing: the notebooks load the Release build; run `dotnet build -c Release` (CI's `dotnet test -c Release` does).");
        var notebook = Path.Combine(TestPaths.RepoRoot, "notebooks", name);
        var folder = TestPaths.NewTempFolder("facegen-nb");
        var run = NotebookRunner.Run(notebook, Path.Combine(folder, name), profile: "quick");
        Assert.True(run.Succeeded, $"{name} failed after {run.Elapsed.TotalSeconds:F1} s:\n{string.Join("\n", run.Errors)}");
        Assert.True(Count(run.OutputsJson, "ChartHtml") == 0,
            $"{name}: {Count(run.OutputsJson, "ChartHtml")} outputs show \"ChartHtml\" as text (a live view started with a string instead of LiveTrainingDisplay.Status)");

        var published = new PublishedNotebook(Path.GetFileNameWithoutExtension(name), run.ExecutedNotebook, run.Errors, run.Elapsed);
        var page = Assert.Single(NotebookPages.Publish(folder, "quick", new[] { published }));
        if (NotebookPageBrowser.Chromium is not null)
            NotebookPageBrowser.Check(page, Path.ChangeExtension(page, ".png")).AssertRendered(page);
        return run;
    }

    /// <summary>How often <paramref name="what"/> occurs in <paramref name="text"/>.</summary>
    public static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}
