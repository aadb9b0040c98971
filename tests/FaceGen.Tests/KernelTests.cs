using System.Diagnostics;
using System.Text.Json;

namespace FaceGen.Tests;

/// <summary>The library in a real .NET Interactive kernel (dotnet-repl, the kernel VS Code's Polyglot Notebooks
/// runs), headless: native loading, the image-grid formatter and isolated Plotly charts.</summary>
public class KernelTests
{
    [Fact]
    public async Task LibraryLoadsTorchDisplaysGridsAndDrawsChartsInANotebookKernel()
    {
        var folder = TestPaths.NewTempFolder("facegen-kernel");
        var library = Path.Combine(AppContext.BaseDirectory, "FaceGen.dll");
        var notebook = Path.Combine(folder, "smoke.dib");
        File.WriteAllText(notebook, string.Join("\n\n", new[]
        {
            "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\",\"items\":[{\"aliases\":[],\"name\":\"csharp\"}]}}",
            $"#!csharp\n\n#r \"{library}\"",
            "#!csharp\n\nvar report = FaceGen.Runtime.DoctorReport.Run(\"cpu\");\nConsole.WriteLine($\"healthy={report.Healthy}\");",
            "#!csharp\n\nvar faces = FaceGen.Data.SyntheticFaces.Generate(new FaceGen.Data.SyntheticFaceOptions(Identities: 2, ImagesPerIdentity: 2, ImageSize: 32));\nFaceGen.Visualization.ContactSheet.Of(faces, 2, 2)",
            "#!csharp\n\nFaceGen.Visualization.Charts.Lines(new(\"loss\", \"step\", \"value\", new[] { new FaceGen.Visualization.ChartSeries(\"loss_d\", new double[] { 1, 2 }, new double[] { 0.5, 0.25 }) }))",
        }) + "\n");
        var output = Path.Combine(folder, "smoke-out.ipynb");

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = TestPaths.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "tool", "run", "dotnet-repl", "--run", notebook, "--exit-after-run", "--output-path", output }) info.ArgumentList.Add(a);
        using (var restore = Process.Start(new ProcessStartInfo("dotnet", "tool restore") { WorkingDirectory = TestPaths.RepoRoot, RedirectStandardOutput = true })!)
            restore.WaitForExit();
        using var process = Process.Start(info)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(File.Exists(output), $"no output notebook; dotnet-repl said: {await log}{await errors}");

        var cells = JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("cells").EnumerateArray().ToList();
        var outputs = cells.SelectMany(c => c.TryGetProperty("outputs", out var o) ? o.EnumerateArray() : Enumerable.Empty<JsonElement>()).ToList();
        var failures = outputs.Where(o => o.GetProperty("output_type").GetString() == "error").Select(o => o.GetRawText()).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        string all = string.Join("\n", outputs.Select(o => o.GetRawText()));
        Assert.Contains("healthy=True", all);
        Assert.Contains("data:image/png;base64,", all);   // ImageGrid's registered HTML formatter
        Assert.Contains("Plotly.newPlot", all);            // Plotly.NET from its isolated load context
        Assert.Contains("loss_d", all);
    }
}
