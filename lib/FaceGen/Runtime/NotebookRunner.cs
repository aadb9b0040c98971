using System.Diagnostics;
using System.Text.Json;

namespace FaceGen.Runtime;

/// <summary>What one headless notebook run produced: the executed notebook, time, and every cell error.</summary>
public sealed record NotebookRun(string Notebook, string ExecutedNotebook, TimeSpan Elapsed, IReadOnlyList<string> Errors, string OutputsJson)
{
    public bool Succeeded => Errors.Count == 0 && File.Exists(ExecutedNotebook);
}

/// <summary>
/// Executes a notebook headless exactly as VS Code's Polyglot Notebooks would (the same .NET Interactive
/// kernel, through the pinned local tool dotnet-repl), from the notebook's own folder so that its first cell's
/// relative <c>#r "../lib/FaceGen/bin/Release/net10.0/FaceGen.dll"</c> resolves, with FACEGEN_PROFILE set.
/// Used by <c>facegen notebooks run</c> and by the tests.
/// </summary>
public static class NotebookRunner
{
    /// <summary>How long one notebook may run before it is killed, by profile: quick 10 min (each notebook takes well
    /// under two); standard 90 min (the longest, 03, took 932 s on a 2-core CPU, README); full 8 h (sized for a GPU,
    /// hours on a CPU). <c>facegen notebooks run --timeout-minutes</c> overrides it.</summary>
    public static TimeSpan DefaultTimeout(string profile) => profile switch
    {
        "quick" => TimeSpan.FromMinutes(10),
        "standard" => TimeSpan.FromMinutes(90),
        "full" => TimeSpan.FromHours(8),
        _ => throw new ArgumentException($"profile {profile}: expected quick, standard or full."),
    };

    /// <summary>Runs <paramref name="notebook"/> with FACEGEN_PROFILE=<paramref name="profile"/>, killing it after
    /// <paramref name="timeout"/> (default: <see cref="DefaultTimeout"/> of the profile).</summary>
    public static NotebookRun Run(string notebook, string executedNotebook, string profile = "quick", TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout(profile);
        var folder = Path.GetDirectoryName(Path.GetFullPath(notebook))!;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(executedNotebook))!);
        Exec(folder, TimeSpan.FromMinutes(5), "tool", "restore");
        var clock = Stopwatch.StartNew();
        var (exit, log) = Exec(folder, limit, (Profile.Variable, profile),
            "tool", "run", "dotnet-repl", "--run", Path.GetFullPath(notebook), "--exit-after-run", "--output-path", Path.GetFullPath(executedNotebook));
        var elapsed = clock.Elapsed;
        if (!File.Exists(executedNotebook))
        {
            var hint = exit == TimedOut ? " (the limit of its profile; `facegen notebooks run --timeout-minutes` sets another)" : "";
            return new NotebookRun(notebook, executedNotebook, elapsed, new[] { $"dotnet-repl wrote no output (exit {exit}): {log}{hint}" }, "[]");
        }
        var cells = JsonDocument.Parse(File.ReadAllText(executedNotebook)).RootElement.GetProperty("cells").EnumerateArray().ToList();
        var outputs = cells.SelectMany(c => c.TryGetProperty("outputs", out var o) ? o.EnumerateArray().ToList() : new List<JsonElement>()).ToList();
        var errors = outputs.Where(o => o.GetProperty("output_type").GetString() == "error")
            .Select(o => o.TryGetProperty("evalue", out var v) ? v.GetString() ?? "error" : o.GetRawText()).ToList();
        return new NotebookRun(notebook, executedNotebook, elapsed, errors, "[" + string.Join(",", outputs.Select(o => o.GetRawText())) + "]");
    }

    /// <summary>The exit code <c>Exec</c> reports for a process it killed
    /// at its time limit (a real exit code is 0–255).</summary>
    const int TimedOut = -1;

    static (int Exit, string Log) Exec(string folder, TimeSpan timeout, params string[] arguments) => Exec(folder, timeout, null, arguments);

    static (int Exit, string Log) Exec(string folder, TimeSpan timeout, (string Name, string Value)? variable, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (variable is { } v) info.Environment[v.Name] = v.Value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (TimedOut, $"timed out after {timeout.TotalMinutes:0.##} min");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
