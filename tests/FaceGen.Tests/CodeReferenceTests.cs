using System.Text.Json;
using System.Text.RegularExpressions;

namespace FaceGen.Tests;

/// <summary>
/// What the code and the README point at must exist: notebook paths (<c>notebooks/05-vae-structure-and-elbo</c>),
/// notebook numbers ("notebook 04", "notebooks 05 and 12"), the quoted sections they cite ("notebook 04 ("remedies,
/// measured with fixed seeds")"), and the README's layout table, which must list the folders of <c>lib/FaceGen</c> in
/// the dependency order.
/// </summary>
public class CodeReferenceTests
{
    static readonly Regex NotebookPath = new(@"notebooks/(\d\d-[a-z0-9-]+)");
    /// <summary>"notebook 04", "notebooks 05 and 12", "notebooks 04–06"; not a count such as "13/13".</summary>
    static readonly Regex NotebookNumbers = new(@"[Nn]otebooks? (\d\d)(?!/)\b((?:(?:, | and | or |–|-)\d\d\b)*)");
    static readonly Regex QuotedSection = new(@"[Nn]otebooks?[ /](\d\d)[-a-z0-9]*,?\s*\(""([^""]+)""\)");

    /// <summary>The references in <paramref name="text"/> (from <paramref name="file"/>) that point at no notebook, or
    /// at a section its notebook does not contain. <paramref name="notebooks"/>: file name without extension → text of
    /// all its cells.</summary>
    public static IEnumerable<string> BrokenReferences(string file, string text, IReadOnlyDictionary<string, string> notebooks)
    {
        string? Find(string number) => notebooks.Keys.FirstOrDefault(k => k.StartsWith(number + "-"));
        foreach (Match m in NotebookPath.Matches(text))
            if (!notebooks.ContainsKey(m.Groups[1].Value)) yield return $"{file}: notebooks/{m.Groups[1].Value} does not exist";
        foreach (Match m in NotebookNumbers.Matches(text))
            foreach (var number in Regex.Matches(m.Value, @"\d\d").Select(n => n.Value))
                if (Find(number) is null) yield return $"{file}: \"{m.Value}\" — there is no notebook {number}";
        foreach (Match m in QuotedSection.Matches(text))
            if (Find(m.Groups[1].Value) is { } name && !notebooks[name].Contains(m.Groups[2].Value, StringComparison.OrdinalIgnoreCase))
                yield return $"{file}: cites \"{m.Groups[2].Value}\" in {name}, which does not contain it";
    }

    static Dictionary<string, string> Notebooks() => Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "notebooks"), "*.ipynb")
        .ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, f =>
        {
            using var notebook = JsonDocument.Parse(File.ReadAllText(f));
            return string.Join("\n", notebook.RootElement.GetProperty("cells").EnumerateArray()
                .SelectMany(c => c.GetProperty("source").EnumerateArray().Select(line => line.GetString())));
        });

    static IEnumerable<string> SourceFiles()
    {
        var sep = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "lib"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}bin{sep}") && !f.Contains($"{sep}obj{sep}"))
            .Append(Path.Combine(TestPaths.RepoRoot, "README.md"))
            .Append(Path.Combine(TestPaths.RepoRoot, "environment.md"));
    }

    [Fact]
    public void EveryNotebookReferenceInTheCodeAndReadmeExists()
    {
        var notebooks = Notebooks();
        Assert.Equal(13, notebooks.Count);
        var files = SourceFiles().ToList();
        var broken = files.SelectMany(f => BrokenReferences(Path.GetRelativePath(TestPaths.RepoRoot, f), File.ReadAllText(f), notebooks)).ToList();
        Assert.True(broken.Count == 0, string.Join("\n", broken));
        // The check read something: the library cites notebooks by path, by number and by quoted section.
        var all = string.Concat(files.Select(File.ReadAllText));
        var counts = (Paths: NotebookPath.Matches(all).Count, Numbers: NotebookNumbers.Matches(all).Count, Sections: QuotedSection.Matches(all).Count);
        Assert.True(counts is { Paths: >= 10, Numbers: >= 20, Sections: >= 5 }, $"references found: {counts}");
    }

    [Fact]
    public void TheCheckFindsAMissingNotebookNumberAndSection()
    {
        var notebooks = new Dictionary<string, string> { ["03-gan"] = "## The optimal discriminator", ["05-vae"] = "ELBO" };
        Assert.Empty(BrokenReferences("f", "see notebooks/03-gan (\"the optimal discriminator\"), notebooks 03 and 05; 13/13 ran", notebooks));
        Assert.Equal(new[]
        {
            "f: notebooks/04-gone does not exist",
            "f: \"notebooks 05 and 07\" — there is no notebook 07",
            "f: cites \"remedies\" in 05-vae, which does not contain it",
        }, BrokenReferences("f", "notebooks/04-gone; notebooks 05 and 07; notebook 05 (\"remedies\")", notebooks));
    }

    [Fact]
    public void ReadmeLayoutTableListsTheLibraryFoldersInDependencyOrder()
    {
        var readme = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var listed = readme.Select(l => Regex.Match(l, @"^\| `lib/FaceGen/(\w+)`")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(FolderDependencyTests.Order, listed);
        var folders = Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "lib", "FaceGen")).Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj")).Order().ToArray();
        Assert.Equal(FolderDependencyTests.Order.Order().ToArray(), folders);
    }
}
