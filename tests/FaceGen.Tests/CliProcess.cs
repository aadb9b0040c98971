using System.Diagnostics;

namespace FaceGen.Tests;

/// <summary>Runs the built <c>facegen</c> command (FaceGen.Cli.dll, copied next to the tests) in a child
/// process, as a user would, and captures its output.</summary>
public static class CliProcess
{
    /// <param name="PeakMemoryBytes">The child's largest resident set seen (VmHWM, read every 50 ms while it ran).</param>
    public sealed record Result(int ExitCode, string Output, string Error, long PeakMemoryBytes = 0)
    {
        public string All => Output + Error;
    }

    /// <summary>Starts the command without waiting (for tests that stop it midway); its output is redirected.</summary>
    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "FaceGen.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cli);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory;
        info.Environment["NO_COLOR"] = "1";
        info.Environment["COLUMNS"] = "200";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    public static Result Run(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int timeoutSeconds = 300, string? workingDirectory = null)
    {
        using var process = Start(arguments, environment, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        long peak = 0;
        while (!process.WaitForExit(50))
        {
            try { process.Refresh(); peak = Math.Max(peak, process.PeakWorkingSet64); } catch (InvalidOperationException) { }
            if (clock.Elapsed.TotalSeconds > timeoutSeconds)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"facegen {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
            }
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result, peak);
    }
}
