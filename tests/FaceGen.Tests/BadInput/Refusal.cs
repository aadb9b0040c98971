namespace FaceGen.Tests.BadInput;

/// <summary>What every hostile-input case asserts about the command's answer (issue 16): exit code 2, a message that
/// names the offending file or value, no stack trace (those are for --verbose), and, where the input asks for a huge
/// allocation, a bounded peak memory.</summary>
public static class Refusal
{
    /// <summary>Text that only a stack trace or a native LibTorch dump contains.</summary>
    static readonly string[] StackTraceMarks = { "   at ", "frame #", "Exception:", "--- End of", "(unexpected:" };

    /// <param name="result">The command's result.</param>
    /// <param name="mentions">Texts the message must contain (the file, option or value it names), compared ignoring case.</param>
    /// <param name="maxPeakMegabytes">Upper bound on the process's peak resident memory, where the case is about allocation.</param>
    public static void Assert(CliProcess.Result result, string[] mentions, double? maxPeakMegabytes = null)
    {
        var text = result.All;
        Xunit.Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, expected 2. Output:\n{text}");
        foreach (var m in mentions)
            Xunit.Assert.True(text.Contains(m, StringComparison.OrdinalIgnoreCase), $"the message does not mention '{m}':\n{text}");
        foreach (var mark in StackTraceMarks)
            Xunit.Assert.False(text.Contains(mark, StringComparison.Ordinal), $"a stack trace ('{mark}') without --verbose:\n{text}");
        if (maxPeakMegabytes is double limit)
            Xunit.Assert.True(result.PeakMemoryBytes < limit * 1024 * 1024,
                $"peak memory {result.PeakMemoryBytes / 1024.0 / 1024.0:F0} MB, limit {limit} MB:\n{text}");
    }
}
