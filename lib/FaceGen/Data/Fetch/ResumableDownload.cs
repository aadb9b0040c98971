using System.Net;
using System.Net.Http.Headers;
using FaceGen.Runtime;

namespace FaceGen.Data.Fetch;

/// <summary>
/// HTTP GET of one file into <c>&lt;path&gt;.part</c>, resumable across runs: when a <c>.part</c> is there, the request
/// asks for <c>Range: bytes=&lt;its length&gt;-</c> (RFC 9110 §14.2) and appends a <c>206 Partial Content</c> answer whose
/// <c>Content-Range</c> starts at that length. A server that ignores the range answers <c>200</c> with the whole file,
/// which then replaces the <c>.part</c>. An interrupted transfer keeps the <c>.part</c> for the next run. The caller
/// verifies the checksum and renames the <c>.part</c>; this class never produces the final file.
/// </summary>
internal sealed class ResumableDownload(HttpClient http, TimeSpan stallTimeout)
{
    const int BufferSize = 1 << 16;
    const long ReportEvery = 1 << 20;

    /// <summary>Downloads <paramref name="url"/> into <paramref name="partPath"/> until it holds the whole file.</summary>
    /// <exception cref="DataException">HTTP error, interrupted or stalled transfer (the <c>.part</c> is kept).</exception>
    public async Task RunAsync(string url, string partPath, long? knownSize, string task,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        // At most two requests: a resume attempt, then (if the server's answer cannot be appended) a fresh start.
        for (var attempt = 0; ; attempt++)
        {
            long have = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
            if (knownSize is long size && have > size) { File.Delete(partPath); have = 0; }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var response = await SendAsync(request, url, partPath, ct);

            switch (Classify(response, have))
            {
                case Answer.AlreadyComplete:
                    return;
                case Answer.Unusable when attempt == 0:
                    File.Delete(partPath);
                    continue;
                case Answer.Unusable:
                    throw new DataException(url, $"the server's answer to a fresh request was unusable ({Status(response)}).");
                case Answer.Error:
                    throw new DataException(url, $"the server answered {Status(response)}. Check the address or your "
                        + "connection; you can also download the file by hand and save it as "
                        + $"{partPath[..^".part".Length]}, then run the fetch again.");
                case Answer.Append:
                    await CopyBodyAsync(response, url, partPath, have, knownSize, task, progress, ct);
                    return;
                case Answer.WholeFile:
                    await CopyBodyAsync(response, url, partPath, 0, knownSize, task, progress, ct);
                    return;
            }
        }
    }

    enum Answer { Append, WholeFile, AlreadyComplete, Unusable, Error }

    static Answer Classify(HttpResponseMessage response, long have)
    {
        var range = response.Content.Headers.ContentRange;
        if (have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            // 416 with "Content-Range: bytes */<length>" equal to what we have: an earlier run got every byte
            // but stopped before the rename.
            return range?.Length == have ? Answer.AlreadyComplete : Answer.Unusable;
        if (response.StatusCode == HttpStatusCode.PartialContent)
            return have > 0 && range?.From == have ? Answer.Append : Answer.Unusable;
        if (response.IsSuccessStatusCode)
            return Answer.WholeFile; // 200: the server sent everything, whether or not we asked for a range
        return Answer.Error;
    }

    async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string url, string partPath, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new DataException(url, $"could not connect: {e.Message}. Check your connection and run the fetch "
                + $"again{(File.Exists(partPath) ? " (the partial download is kept and will be resumed)" : "")}.", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new DataException(url, $"no answer within {http.Timeout.TotalSeconds:0} s. Run the fetch again later.", e);
        }
    }

    /// <summary>Streams the body into the <c>.part</c> (appending at <paramref name="offset"/>), reporting bytes.
    /// A read that brings nothing for the stall timeout counts as an interruption.</summary>
    async Task CopyBodyAsync(HttpResponseMessage response, string url, string partPath, long offset, long? knownSize,
        string task, IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        long? total = response.Content.Headers.ContentRange?.Length
            ?? (response.Content.Headers.ContentLength is long n ? offset + n : knownSize);
        long done = offset, lastReport = -ReportEvery;
        // FileShare.None: a second fetch of the same file fails at once instead of interleaving writes.
        await using var output = new FileStream(partPath, offset > 0 ? FileMode.Append : FileMode.Create,
            FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[BufferSize];
            while (true)
            {
                stall.CancelAfter(stallTimeout);
                int read = await body.ReadAsync(buffer, stall.Token);
                if (read == 0) break;
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                done += read;
                if (done - lastReport >= ReportEvery) { progress?.Report(new(task, done, total ?? 0, "bytes")); lastReport = done; }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Interrupted(url, partPath, output, done, total, $"no data arrived for {stallTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Interrupted(url, partPath, output, done, total, e.Message, e);
        }
        progress?.Report(new(task, done, total ?? done, "bytes"));
        if (total is long expected && done != expected)
            throw Interrupted(url, partPath, output, done, total, "the connection ended early");
    }

    static DataException Interrupted(string url, string partPath, FileStream output, long done, long? total,
        string why, Exception? inner = null)
    {
        output.Flush(); // keep every byte received so that the next run resumes exactly here
        return new DataException(partPath, $"download of {url} interrupted after {done:N0}"
            + (total is long t ? $" of {t:N0}" : "") + $" bytes ({why}). The partial file is kept: "
            + "run the fetch again to resume.", inner);
    }

    static string Status(HttpResponseMessage r) => $"{(int)r.StatusCode} {r.ReasonPhrase}";
}
