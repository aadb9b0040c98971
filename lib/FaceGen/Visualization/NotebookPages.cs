using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;

namespace FaceGen.Visualization;

/// <summary>How one notebook of a run went, for the index: its executed copy (absent when the kernel wrote none),
/// its cell errors and how long it ran.</summary>
public sealed record PublishedNotebook(string Name, string? ExecutedNotebook, IReadOnlyList<string> Errors, TimeSpan Elapsed)
{
    public bool Succeeded => Errors.Count == 0 && ExecutedNotebook is not null;
}

/// <summary>
/// Every executed notebook of a run as one self-contained HTML page (<c>&lt;name&gt;.html</c> beside the .ipynb) that
/// opens offline from disk and fetches nothing: markdown rendered by Markdig (pipe tables, emphasis, lists, links),
/// formulas written <c>$…$</c> and <c>$$…$$</c> typeset by the embedded KaTeX 0.16.47 (its fonts inlined), and each
/// code cell with its outputs in order: HTML as is (charts draw with the page's one copy of plotly.js), PNG images,
/// plain text and streams escaped, errors highlighted. <c>index.html</c> links every page and .ipynb with status and time.
/// </summary>
public static class NotebookPages
{
    /// <summary>Markdig with the math extension, so that TeX between <c>$</c> signs is kept verbatim (no emphasis from
    /// <c>_</c> or <c>*</c> inside it) and emitted as <c>&lt;span class="math"&gt;\(…\)&lt;/span&gt;</c> or
    /// <c>&lt;div class="math"&gt;\[…\]&lt;/div&gt;</c> for KaTeX.</summary>
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder()
        .UseMathematics().UsePipeTables().UseEmphasisExtras().UseAutoLinks().UseListExtras().UseTaskLists().Build();

    /// <summary>The page's head: style, KaTeX (CSS with its woff2 fonts as data URIs, script, auto-render) and plotly.js.</summary>
    static readonly Lazy<string> Head = new(() =>
        $"<style>{Style}\n{KatexCss()}</style>\n<script>{Resource("katex/katex.min.js")}</script>\n"
        + $"<script>{Resource("katex/auto-render.min.js")}</script>\n{Charts.PlotlyLoaderHtml}\n");

    const string Style = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;line-height:1.45;color:#222}"
        + " .cell{margin:1em 0} .source{background:#f6f8fa;border-left:3px solid #8aa;padding:.5em .8em;overflow-x:auto;font-size:90%}"
        + " .outputs{margin-left:1.5em} .outputs pre{background:#fff;border-left:3px solid #ddd;padding:.3em .8em;overflow-x:auto;font-size:90%}"
        + " .outputs pre.stderr{border-color:#e90} .outputs .error{background:#fde8e8;border-left:3px solid #c00;color:#900}"
        + " table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 8px} .status-ok{color:#070} .status-failed{color:#c00;font-weight:bold}"
        + " .outputs img{max-width:100%} .outputs .html{overflow-x:auto}";

    /// <summary>Writes <c>&lt;name&gt;.html</c> for every notebook that has an executed copy, and <c>index.html</c>
    /// linking them; returns the pages written. Each executed copy first keeps only the outputs VS Code would show
    /// (<see cref="KeepDisplayedOutputs"/>). <paramref name="runs"/>: the notebooks in run order with their status
    /// and time (one without an executed copy is listed as failed, with no page).</summary>
    public static IReadOnlyList<string> Publish(string folder, string profile, IReadOnlyList<PublishedNotebook> runs)
    {
        var pages = new List<string>();
        foreach (var run in runs.Where(r => r.ExecutedNotebook is not null))
        {
            KeepDisplayedOutputs(run.ExecutedNotebook!);
            var page = Path.ChangeExtension(run.ExecutedNotebook!, ".html");
            Runtime.AtomicFile.WriteAllText(page, Page(run));
            pages.Add(page);
        }
        Runtime.AtomicFile.WriteAllText(Path.Combine(folder, "index.html"), Index(profile, runs));
        return pages;
    }

    /// <summary>The notebooks of an existing run folder (its <c>*.ipynb</c>, in name order), with the errors their
    /// outputs hold and the time from their first cell's start to their last cell's end (the kernel's own timestamps,
    /// so kernel start-up is not counted): what <c>facegen notebooks publish</c> rebuilds the pages from.</summary>
    public static IReadOnlyList<PublishedNotebook> FromFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder (expected a run folder of `facegen notebooks run`).");
        var files = Directory.GetFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new IOException($"{folder}: no executed notebooks (*.ipynb) in it.");
        return files.Select(f =>
        {
            var cells = Cells(f);
            var errors = cells.SelectMany(Outputs).Where(o => OutputType(o) == "error").Select(ErrorText).ToList();
            return new PublishedNotebook(Path.GetFileNameWithoutExtension(f), f, errors, ExecutionTime(cells));
        }).ToList();
    }

    /// <summary>The profile the notebooks ran with, as their first cell printed it ("FaceGen loaded; profile: quick");
    /// "unknown" when none says.</summary>
    public static string ProfileOf(IReadOnlyList<PublishedNotebook> notebooks) =>
        notebooks.Where(n => n.ExecutedNotebook is not null)
            .Select(n => ProfileLine.Match(File.ReadAllText(n.ExecutedNotebook!))).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? "unknown";

    static readonly Regex ProfileLine = new("FaceGen loaded; profile: (quick|standard|full)");

    /// <summary>One notebook as a self-contained page.</summary>
    public static string Page(PublishedNotebook run)
    {
        var cells = Cells(run.ExecutedNotebook ?? throw new ArgumentException($"{run.Name}: no executed notebook to publish."));
        var body = new StringBuilder();
        body.Append($"<p><a href=\"index.html\">all notebooks</a> · <a href=\"{Html(Path.GetFileName(run.ExecutedNotebook))}\">{Html(Path.GetFileName(run.ExecutedNotebook))}</a> · ")
            .Append(StatusHtml(run)).Append($" · {Seconds(run.Elapsed)} s</p>\n");
        foreach (var cell in cells)
        {
            var source = Text(cell.TryGetProperty("source", out var s) ? s : default);
            if (cell.GetProperty("cell_type").GetString() == "markdown")
            {
                body.Append("<div class=\"cell markdown\">").Append(Markdig.Markdown.ToHtml(JoinInlineMathLines(source), Markdown)).Append("</div>\n");
                continue;
            }
            body.Append("<div class=\"cell code\"><pre class=\"source\"><code>").Append(Html(source)).Append("</code></pre><div class=\"outputs\">");
            foreach (var output in AsDisplayed(Outputs(cell).ToList())) body.Append(OutputHtml(output));
            body.Append("</div></div>\n");
        }
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Html(run.Name) + "</title>\n" + Head.Value + "</head><body>\n"
            + body + TypesetScript + "</body></html>\n";
    }

    /// <summary>An inline formula that a notebook wraps onto the next line (<c>$a -\n b$</c>) is one formula in VS Code's
    /// markdown, but Markdig's inline math stops at the line end and leaves raw TeX with its <c>$</c> signs. Outside
    /// fenced code the line break inside such a formula becomes a space (the same soft break to a reader).</summary>
    static string JoinInlineMathLines(string markdown)
    {
        var parts = Fence.Split(markdown);   // even indices: prose; odd: fenced code blocks, kept as they are
        for (int i = 0; i < parts.Length; i += 2) parts[i] = WrappedInlineMath.Replace(parts[i], m => m.Value.Replace('\n', ' '));
        return string.Concat(parts);
    }

    static readonly Regex Fence = new(@"(^```[^\n]*\n[\s\S]*?^```[ \t]*$)", RegexOptions.Multiline);
    /// <summary>A single <c>$</c> followed by a non-space, text without <c>$</c> over one line break, a non-space and
    /// a single closing <c>$</c>.</summary>
    static readonly Regex WrappedInlineMath = new(@"(?<!\$)\$(?=[^\s$])[^$\n]*\n[^$\n]*?\S\$(?!\$)");

    /// <summary>Typesets the math Markdig marked (and only that: a <c>\(</c> in code or output stays as it is).</summary>
    const string TypesetScript = "<script>document.querySelectorAll('.markdown .math').forEach(function (e) {\n"
        + "  renderMathInElement(e, { delimiters: [{ left: '\\\\[', right: '\\\\]', display: true }, { left: '\\\\(', right: '\\\\)', display: false }], throwOnError: false });\n"
        + "});</script>\n";

    /// <summary>A cell's outputs as VS Code shows them after the run. There a live view's updates replace its output;
    /// a headless run (dotnet-repl) appends each update as a new output instead. So of the redraws of one
    /// <c>LiveTrainingDisplay</c> (same <c>data-view</c>) only the last is kept, and a status line
    /// (<c>LiveTrainingDisplay.Status</c>) is dropped when the next output is a status line or a live view, which replaced it.</summary>
    static List<JsonElement> AsDisplayed(List<JsonElement> outputs) => DisplayedIndices(outputs).Select(i => outputs[i]).ToList();

    static List<int> DisplayedIndices(List<JsonElement> outputs)
    {
        var html = outputs.Select(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("text/html", out var h) ? Text(h) : "").ToList();
        string? View(int i) => LiveView.Match(html[i]) is { Success: true } m ? m.Groups[1].Value : null;
        bool IsStatus(int i) => html[i].StartsWith(StatusStart, StringComparison.Ordinal);
        return Enumerable.Range(0, outputs.Count).Where(i =>
            !(View(i) is { } view && Enumerable.Range(i + 1, outputs.Count - i - 1).Any(j => View(j) == view))
            && !(IsStatus(i) && i + 1 < outputs.Count && (IsStatus(i + 1) || View(i + 1) is not null))).ToList();
    }

    /// <summary>Rewrites an executed notebook with only the outputs <see cref="AsDisplayed"/> keeps, so that the .ipynb
    /// opened in VS Code shows what a live run there ends with, not every redraw the headless kernel appended (the
    /// standard profile's notebook 03 held 77 copies of its training view, 62 MB). Left as it is when nothing is dropped.</summary>
    static void KeepDisplayedOutputs(string notebook)
    {
        var root = JsonNode.Parse(File.ReadAllText(notebook));
        if (root?["cells"] is not JsonArray cells) return;   // not a notebook: Page says so
        bool dropped = false;
        foreach (var cell in cells)
        {
            if (cell?["outputs"] is not JsonArray outputs || outputs.Count < 2) continue;
            var kept = DisplayedIndices(outputs.Select(o => JsonSerializer.SerializeToElement(o)).ToList());
            if (kept.Count == outputs.Count) continue;
            var keep = kept.Select(i => outputs[i]!.DeepClone()).ToArray();
            outputs.Clear();
            foreach (var output in keep) outputs.Add(output);
            dropped = true;
        }
        if (dropped) Runtime.AtomicFile.WriteAllText(notebook, root.ToJsonString(NotebookJson));
    }

    /// <summary>As Jupyter writes notebooks: indented by one space, non-ASCII text and HTML left unescaped.</summary>
    static readonly JsonSerializerOptions NotebookJson = new()
    {
        WriteIndented = true, IndentSize = 1, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The class of a live view's redraws (with its <c>data-view</c> id) and of a status line, as
    /// <c>LiveTrainingDisplay</c> writes them at the start of its HTML.</summary>
    public const string LiveViewClass = "facegen-live", StatusClass = "facegen-status";

    static readonly Regex LiveView = new($"^<div class=\"{LiveViewClass}\" data-view=\"(\\w+)\"");
    const string StatusStart = $"<p class=\"{StatusClass}\"";

    /// <summary>An output in the order the kernel wrote it: the richest form it carries.</summary>
    static string OutputHtml(JsonElement output)
    {
        switch (OutputType(output))
        {
            case "stream":
                var name = output.TryGetProperty("name", out var n) ? n.GetString() : "stdout";
                return $"<pre class=\"{Html(name ?? "stdout")}\">{Html(Text(output.GetProperty("text")))}</pre>";
            case "error":
                return $"<pre class=\"error\">{Html(ErrorText(output))}</pre>";
        }
        if (!output.TryGetProperty("data", out var data)) return "";
        // The first cell's plotly.js is already in the page's head: the page carries it once.
        if (data.TryGetProperty("text/html", out var html)) return "<div class=\"html\">" + Text(html).Replace(Charts.PlotlyLoaderHtml, "") + "</div>";
        if (data.TryGetProperty("image/png", out var png)) return $"<img alt=\"output image\" src=\"data:image/png;base64,{Text(png).Trim()}\">";
        if (data.TryGetProperty("image/svg+xml", out var svg)) return "<div class=\"svg\">" + Text(svg) + "</div>";
        if (data.TryGetProperty("text/plain", out var plain)) return $"<pre>{Html(Text(plain))}</pre>";
        return "";
    }

    static string Index(string profile, IReadOnlyList<PublishedNotebook> runs)
    {
        var rows = new StringBuilder();
        foreach (var r in runs)
        {
            var page = r.ExecutedNotebook is null ? Html(r.Name) : $"<a href=\"{Html(r.Name)}.html\">{Html(r.Name)}</a>";
            var ipynb = r.ExecutedNotebook is null ? "—" : $"<a href=\"{Html(Path.GetFileName(r.ExecutedNotebook))}\">.ipynb</a>";
            rows.Append($"<tr><td>{page}</td><td>{ipynb}</td><td>{StatusHtml(r)}</td><td style=\"text-align:right\">{Seconds(r.Elapsed)}</td></tr>\n");
        }
        var total = TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks));
        return $"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FaceGen notebooks ({Html(profile)})</title><style>{Style}</style></head><body>\n"
            + $"<h1>FaceGen notebooks, profile {Html(profile)}</h1>\n<p>{runs.Count(r => r.Succeeded)} of {runs.Count} ran without an error, "
            + $"{Seconds(total)} s in all. Each page opens offline: the notebook with its outputs, charts drawn, formulas typeset.</p>\n"
            + "<table><tr><th>page</th><th>notebook</th><th>status</th><th>seconds</th></tr>\n" + rows + "</table></body></html>\n";
    }

    static string StatusHtml(PublishedNotebook r) => r.Succeeded ? "<span class=\"status-ok\">ok</span>"
        : $"<span class=\"status-failed\">failed: {Html(string.Join(" | ", r.Errors.Select(e => e.Split('\n')[0])))}</span>";

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);

    static List<JsonElement> Cells(string ipynb)
    {
        try { return JsonDocument.Parse(File.ReadAllText(ipynb)).RootElement.GetProperty("cells").EnumerateArray().ToList(); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{ipynb}: not a notebook (no JSON \"cells\" array): {e.Message}", e);
        }
    }

    static IEnumerable<JsonElement> Outputs(JsonElement cell) =>
        cell.TryGetProperty("outputs", out var o) ? o.EnumerateArray() : Enumerable.Empty<JsonElement>();

    static string? OutputType(JsonElement output) => output.GetProperty("output_type").GetString();

    /// <summary>"name: value" and the traceback, without the terminal colour codes kernels put in tracebacks.</summary>
    static string ErrorText(JsonElement output)
    {
        string Field(string name) => output.TryGetProperty(name, out var v) ? Text(v) : "";
        var traceback = output.TryGetProperty("traceback", out var t) && t.ValueKind == JsonValueKind.Array
            ? string.Join("\n", t.EnumerateArray().Select(l => l.GetString())) : "";
        return AnsiCodes.Replace($"{Field("ename")}: {Field("evalue")}\n{traceback}".Trim(), "");
    }

    static readonly Regex AnsiCodes = new(@"\x1b\[[0-9;]*[A-Za-z]");

    /// <summary>From the first cell's start to the last cell's end, by dotnet-repl's cell metadata; zero without it.</summary>
    static TimeSpan ExecutionTime(List<JsonElement> cells)
    {
        DateTimeOffset? Time(JsonElement cell, string key) =>
            cell.TryGetProperty("metadata", out var m) && m.TryGetProperty(key, out var v) && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
        var starts = cells.Select(c => Time(c, "dotnet_repl_cellExecutionStartTime")).OfType<DateTimeOffset>().ToList();
        var ends = cells.Select(c => Time(c, "dotnet_repl_cellExecutionEndTime")).OfType<DateTimeOffset>().ToList();
        return starts.Count == 0 || ends.Count == 0 ? TimeSpan.Zero : ends.Max() - starts.Min();
    }

    /// <summary>A notebook string field: a string, or an array of lines to concatenate.</summary>
    static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Concat(value.EnumerateArray().Select(l => l.GetString())),
        _ => "",
    };

    /// <summary>Text or an attribute value, HTML-encoded.</summary>
    static string Html(string text) => WebUtility.HtmlEncode(text);

    static string Resource(string name)
    {
        using var stream = typeof(NotebookPages).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"FaceGen.dll lacks its embedded resource {name} (lib/FaceGen/Visualization/katex).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>katex.min.css with every <c>url(fonts/X.woff2)</c> inlined as a data URI and the woff/ttf fallbacks
    /// dropped (every browser that runs KaTeX reads woff2), so the page needs no font files beside it.</summary>
    static string KatexCss()
    {
        var css = Resource("katex/katex.min.css");
        css = Regex.Replace(css, @",url\(fonts/[^)]+\.(?:woff|ttf)\) format\(""(?:woff|truetype)""\)", "");
        return Regex.Replace(css, @"url\(fonts/([^)]+\.woff2)\)", m =>
        {
            using var font = typeof(NotebookPages).Assembly.GetManifestResourceStream("katex/fonts/" + m.Groups[1].Value)
                ?? throw new InvalidOperationException($"FaceGen.dll lacks the KaTeX font {m.Groups[1].Value}.");
            using var bytes = new MemoryStream();
            font.CopyTo(bytes);
            return $"url(data:font/woff2;base64,{Convert.ToBase64String(bytes.ToArray())})";
        });
    }
}
