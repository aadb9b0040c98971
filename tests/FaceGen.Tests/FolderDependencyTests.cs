using System.Text.RegularExpressions;

namespace FaceGen.Tests;

/// <summary>
/// The library's folders point one way: each folder of <c>lib/FaceGen</c> (one namespace per folder) may use only the
/// folders listed before it in <see cref="Order"/>. The check reads the source files: their namespace, their
/// <c>using</c> directives and every fully qualified <c>FaceGen.X.</c> reference outside comments and strings.
/// </summary>
public class FolderDependencyTests
{
    /// <summary>The order of the folders, lowest first. Visualization sits after Models, Losses and Metrics (latent
    /// grids decode with a model) and before Training (the trainables return image grids), so a trainer may draw but a
    /// chart never knows a trainer. Restoration (degradations, classical baselines) needs only Runtime. Tutorial (the
    /// source's Keras program) runs on the trainer's interfaces. Jobs (train a GAN, VAE or recogniser into a run folder,
    /// load it back, resume it) sit on the trainer and below Evaluation, which rebuilds runs from their config.json.</summary>
    public static readonly string[] Order =
    [
        "Runtime", "Data", "Restoration", "Models", "Losses", "Metrics", "Visualization", "Training", "Jobs", "Tutorial",
        "Evaluation", "Experiments", "Benchmarks",
    ];

    static readonly Regex Namespace = new(@"^\s*namespace\s+FaceGen\.(\w+)[\w.]*\s*[;{]", RegexOptions.Multiline);
    static readonly Regex Reference = new(@"\bFaceGen\.(\w+)\b");
    /// <summary>A reference qualified from a sibling namespace (<c>Training.Trainer</c> inside <c>FaceGen.Jobs</c>),
    /// which needs no <c>FaceGen.</c> prefix: a folder's name followed by a type of that folder.</summary>
    static readonly Regex SiblingReference = new(@"(?<![\w.])(\w+)\.(\w+)\b");
    static readonly Regex TypeDeclaration = new(@"\b(?:class|record|struct|enum|interface)\s+(\w+)");
    /// <summary>Comments, string and character literals: text that names a namespace without using it.</summary>
    static readonly Regex NotCode = new(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)+'",
        RegexOptions.Singleline);

    /// <summary>The breaches of <see cref="Order"/> in one source file of folder <paramref name="folder"/>: a namespace that
    /// is not the folder's, or a reference to a folder that is not listed before it (or not listed at all).
    /// <paramref name="typesByFolder"/>: the types each folder declares, so that a sibling-qualified reference
    /// (<c>Jobs.GanJob</c>) counts as a use of that folder.</summary>
    public static IEnumerable<string> Breaches(string folder, string file, string source, IReadOnlyDictionary<string, HashSet<string>>? typesByFolder = null)
    {
        int own = Array.IndexOf(Order, folder);
        if (own < 0)
        {
            yield return $"{file}: folder '{folder}' is not in the dependency order; add it to FolderDependencyTests.Order.";
            yield break;
        }
        var code = NotCode.Replace(source, "");
        var ns = Namespace.Match(code);
        if (!ns.Success || ns.Groups[1].Value != folder)
            yield return $"{file}: namespace {(ns.Success ? "FaceGen." + ns.Groups[1].Value : "(none)")} does not follow its folder {folder}.";
        var siblings = SiblingReference.Matches(code)
            .Where(m => typesByFolder?.GetValueOrDefault(m.Groups[1].Value)?.Contains(m.Groups[2].Value) == true)
            .Select(m => m.Groups[1].Value);
        foreach (var used in Reference.Matches(code).Select(m => m.Groups[1].Value).Concat(siblings).Where(u => u != folder).Distinct())
        {
            int index = Array.IndexOf(Order, used);
            if (index < 0 || index > own)
                yield return $"{file}: {folder} uses {used}, which is {(index < 0 ? "not a folder in the order" : "listed after it")}.";
        }
    }

    [Fact]
    public void EveryFolderUsesOnlyTheFoldersBeforeIt()
    {
        var root = Path.Combine(TestPaths.RepoRoot, "lib", "FaceGen");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("bin" + Path.DirectorySeparatorChar) && !f.StartsWith("obj" + Path.DirectorySeparatorChar))
            .ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found under {root}");
        static string FolderOf(string file) => file.Split(Path.DirectorySeparatorChar)[0];
        var types = files.GroupBy(FolderOf).ToDictionary(g => g.Key, g => g.SelectMany(f =>
            TypeDeclaration.Matches(NotCode.Replace(File.ReadAllText(Path.Combine(root, f)), "")).Select(m => m.Groups[1].Value)).ToHashSet());
        var breaches = files.SelectMany(f => Breaches(FolderOf(f), f, File.ReadAllText(Path.Combine(root, f)), types)).ToList();
        Assert.True(breaches.Count == 0, string.Join("\n", breaches));
    }

    [Fact]
    public void TheCheckFindsAnUpwardUseAWrongNamespaceAndAnUnlistedFolder()
    {
        Assert.Empty(Breaches("Training", "T.cs", "using FaceGen.Models;\n// FaceGen.Experiments in a comment\nnamespace FaceGen.Training;\nclass T { FaceGen.Losses.Elbo? e; string s = \"FaceGen.Benchmarks.X\"; }"));
        Assert.Contains(Breaches("Data", "D.cs", "using FaceGen.Training;\nnamespace FaceGen.Data;"), b => b.Contains("Data uses Training"));
        Assert.Contains(Breaches("Models", "M.cs", "namespace FaceGen.Models;\nclass M { object o = new FaceGen.Evaluation.X(); }"),
            b => b.Contains("Models uses Evaluation"));
        Assert.Contains(Breaches("Losses", "L.cs", "namespace FaceGen.Models;"), b => b.Contains("does not follow its folder"));
        var types = new Dictionary<string, HashSet<string>> { ["Jobs"] = ["GanJob"], ["Metrics"] = ["FrechetDistance"] };
        Assert.Contains(Breaches("Training", "T.cs", "namespace FaceGen.Training;\nclass T { object o = Jobs.GanJob.Run(); }", types),
            b => b.Contains("Training uses Jobs"));
        // A property that happens to bear a folder's name is not a use of that folder.
        Assert.Empty(Breaches("Training", "T.cs", "namespace FaceGen.Training;\nclass T { int n = Jobs.Count + Metrics.FrechetDistance.Length; }", types));
        Assert.Contains(Breaches("Misc", "X.cs", "namespace FaceGen.Misc;"), b => b.Contains("not in the dependency order"));
    }
}
