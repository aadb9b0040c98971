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
    /// <summary>How long the standard profile's whole series takes, as the README measured it (one notebook at a time on
    /// a 2-core CPU: 00–02 about 5 s each, 03 932 s, 04 141, 05 127, 06 52, 07 145, 08 447, 09 229, 10 184, 11 125,
    /// 12 4 s: 2,401 s).</summary>
    public const string StandardSeriesTime = "about 40 minutes on a 2-core CPU (notebook 03 alone about 15)";

    /// <summary>The first cell's output: the profile in force, how to switch it, and plotly.js (<see cref="Charts.PlotlyLoaderHtml"/>).
    /// Throws, naming the value, when <c>FACEGEN_PROFILE</c> holds something other than quick, standard or full.</summary>
    public static ChartHtml Start()
    {
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
