using System.Net;
using FaceGen.Runtime;

namespace FaceGen.Visualization;

/// <summary>
/// The library call at the end of every notebook's first cell: it loads the kit's plotly.js into the notebook once
/// (every chart after it draws with that copy; nothing is fetched from a network) and says which profile is in force
/// and how to change it. The notebook displays what it returns.
/// </summary>
public static class NotebookSession
{
    /// <summary>How long the standard profile's whole series takes, as the README measured it with
    /// <c>facegen notebooks run --profile standard</c> on a quiet 2-core CPU: 2,983 s wall, of which notebook 03 1,505 s.</summary>
    public const string StandardSeriesTime = "about 50 minutes on a 2-core CPU (notebook 03 alone about 25)";

    /// <summary>The first cell's output, after loading LibTorch (<see cref="TorchRuntime.EnsureInitialized"/>, which picks
    /// the convolution path): the profile in force, how to switch it, and plotly.js (<see cref="Charts.PlotlyLoaderHtml"/>).
    /// Throws, naming the value, when <c>FACEGEN_PROFILE</c> holds something other than quick, standard or full.</summary>
    public static ChartHtml Start()
    {
        TorchRuntime.EnsureInitialized();
        var profile = Profile.Current;
        var set = Environment.GetEnvironmentVariable(Profile.Variable);
        var source = string.IsNullOrWhiteSpace(set) ? $"{Profile.Variable} is not set, so the default" : $"from {Profile.Variable}={WebUtility.HtmlEncode(set.Trim())}";
        return new ChartHtml(
            $"<div class=\"facegen-session\"><p><b>FaceGen loaded; profile: {profile}</b> ({source}); plotly.js loaded for this notebook's charts.</p>\n"
            + $"<p>To switch: close VS Code (or stop the kernel), set {Profile.Variable}=quick, standard or full in the environment "
            + "VS Code or the kernel starts from (e.g. <code>FACEGEN_PROFILE=quick code .</code>), and start it again. "
            + "quick: the size the tests run (seconds per notebook); standard: the full-size results on a laptop CPU; full: sized for a GPU.</p>\n"
            + $"<p>Run All with nothing set uses <b>standard</b>: the whole series takes {StandardSeriesTime}.</p></div>\n"
            + Charts.PlotlyLoaderHtml);
    }
}
