using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Restoration;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Evaluation;

/// <summary>One line of a restoration evaluation: a method on one degradation (e.g. "harmonic fill" on "eye band"),
/// averaged over the held-out faces. PSNR/SSIM against the originals (null for the originals themselves); HolePsnr over
/// the missing pixels only (inpainting); with a recogniser: identity similarity cos(e(processed), e(original)) and
/// verification of processed faces against the originals of the other test faces (AUC, balanced best accuracy).</summary>
public sealed record RestorationScore(string Degradation, string Method, int Images, double? Psnr, double? Ssim, double? HolePsnr,
    double? IdentitySimilarity, double? VerificationAuc, double? VerificationAccuracy);

/// <summary>What <c>facegen eval restore</c> (and the end of <c>train restore</c>) measured.</summary>
public sealed record RestorationEvaluation(string Task, string Model, string? Recognizer, IReadOnlyList<RestorationScore> Scores)
{
    /// <summary>The scores as an HTML table (one row per degradation and method; the best PSNR of each degradation in bold).</summary>
    public string ToHtmlTable()
    {
        static string F(double? v, string format) => v is { } x ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";
        var best = Scores.Where(s => s.Psnr is not null).GroupBy(s => s.Degradation).ToDictionary(g => g.Key, g => g.Max(s => s.Psnr));
        var html = new System.Text.StringBuilder("<table><tr><th>degradation</th><th>method</th><th>PSNR dB</th><th>hole PSNR dB</th><th>SSIM</th>" +
            "<th>identity cos</th><th>verification AUC</th><th>verification acc.</th></tr>");
        foreach (var s in Scores)
        {
            string psnr = s.Psnr is not null && best.GetValueOrDefault(s.Degradation) == s.Psnr ? $"<b>{F(s.Psnr, "F2")}</b>" : F(s.Psnr, "F2");
            html.Append($"<tr><td>{System.Net.WebUtility.HtmlEncode(s.Degradation)}</td><td>{System.Net.WebUtility.HtmlEncode(s.Method)}</td><td>{psnr}</td>" +
                $"<td>{F(s.HolePsnr, "F2")}</td><td>{F(s.Ssim, "F3")}</td><td>{F(s.IdentitySimilarity, "F3")}</td><td>{F(s.VerificationAuc, "F4")}</td><td>{F(s.VerificationAccuracy, "P1")}</td></tr>");
        }
        return html.Append("</table>").ToString();
    }
}

/// <summary>A trained restorer scored on held-out faces beside the classical baselines (<c>facegen eval restore</c>, the end
/// of <c>facegen train restore</c>, notebook 09).</summary>
public static class RestorationScoring
{
    /// <summary>Seed of the evaluation's degradations: every method is scored on the same degraded faces.</summary>
    const int EvaluationSeed = 777;

    /// <summary>
    /// Scores the restorer and the classical baselines on the first <paramref name="images"/>
    /// faces of <paramref name="test"/>, per degradation (each noise level, each mask kind, or ×4): the degraded input,
    /// the baselines (denoising: Gaussian blur σ = 1 px and 3×3 median; inpainting: mean fill and harmonic fill;
    /// super-resolution: bicubic, which is the degraded input itself), and the restorer. With a recogniser run
    /// (<paramref name="recognizerRun"/>) the originals get a row too, as the ceiling of identity and verification.
    /// </summary>
    public static RestorationEvaluation Evaluate(RestorationTrainable restorer, RestorationOptions restoration, string taskName, string modelName,
        FaceDataset test, int images, string? recognizerRun, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var module in restorer.Modules.Values) module.eval();
        int count = Math.Min(images, test.Count);
        var clean = FaceDataset.ToUnitRange(test.Images.narrow(0, 0, count)).to(device);
        var labels = test.LabelArray().Take(count).ToArray();
        var recognition = recognizerRun is null ? null : new RecognitionCheck(recognizerRun, clean, labels, restoration.Seed);

        var scores = new List<RestorationScore>();
        if (recognition is not null) scores.Add(recognition.Score("none", "original", clean, null, null));
        var task = restoration.Task;
        var conditions = task switch
        {
            RestorationTask.SuperResolution4 => new[] { ("×4", (double[]?)null, (MaskKind[]?)null) },
            RestorationTask.Denoise => (restoration.NoiseSigmas ?? restoration.Sigmas).Select(s => ($"noise σ = {s}", (double[]?)[s], (MaskKind[]?)null)).ToArray(),
            _ => (restoration.Masks ?? Enum.GetValues<MaskKind>()).Select(m => (m.ToString(), (double[]?)null, (MaskKind[]?)[m])).ToArray(),
        };
        foreach (var (name, sigmas, masks) in conditions)
        {
            using var generator = Seeding.Generator(EvaluationSeed);
            var (degraded, known) = Degradations.Degrade(task, clean, generator, sigmas, masks);
            var hole = task == RestorationTask.Inpaint ? 1 - known : null;
            RestorationScore Score(string method, Tensor processed)
            {
                var psnr = ImageQuality.Psnr(processed, clean).mean().item<double>();
                var ssim = ImageQuality.Ssim(processed, clean).mean().item<double>();
                double? holePsnr = hole is null ? null : ImageQuality.Psnr(processed, clean, mask: hole).mean().item<double>();
                return recognition?.Score(name, method, processed, psnr, ssim, holePsnr)
                    ?? new RestorationScore(name, method, count, psnr, ssim, holePsnr, null, null, null);
            }
            scores.Add(Score(task == RestorationTask.SuperResolution4 ? "bicubic (the degraded input)" : "degraded", degraded));
            if (task == RestorationTask.Denoise)
            {
                scores.Add(Score("Gaussian blur σ = 1 px", Baselines.GaussianBlur(degraded, 1.0)));
                scores.Add(Score("median 3×3", Baselines.Median3x3(degraded)));
            }
            if (task == RestorationTask.Inpaint)
            {
                scores.Add(Score("mean fill", Baselines.MeanFill(degraded, known)));
                scores.Add(Score("harmonic fill", Baselines.HarmonicFill(degraded, known)));
            }
            scores.Add(Score(modelName, restorer.Restore(degraded, known)));
        }
        return new RestorationEvaluation(taskName, modelName, recognizerRun, scores);
    }

    /// <summary>"harmonic fill on EyeBand: 31.2 dB, SSIM 0.95 …" — one score in words.</summary>
    public static string Describe(RestorationScore s) =>
        $"{s.Method} on {s.Degradation}: " + string.Join(", ", new[]
        {
            s.Psnr is { } p ? $"PSNR {p:F2} dB" : null,
            s.HolePsnr is { } h ? $"hole PSNR {h:F2} dB" : null,
            s.Ssim is { } q ? $"SSIM {q:F3}" : null,
            s.IdentitySimilarity is { } i ? $"identity {i:F3}" : null,
            s.VerificationAuc is { } a ? $"verification AUC {a:F4}" : null,
        }.Where(x => x is not null));

    /// <summary>A recogniser run applied to processed faces: identity similarity to the originals, and verification of
    /// each processed face against the originals of the others (seeded genuine/impostor pairs).</summary>
    sealed class RecognitionCheck
    {
        readonly FaceEmbedder embedder;
        readonly Tensor originals;
        readonly IReadOnlyList<ImagePair> pairs;

        public RecognitionCheck(string run, Tensor clean, int[] labels, int seed)
        {
            (embedder, _) = RecognizerJob.Load(run, clean.device);
            originals = embedder.Prepare(clean);
            pairs = VerificationPairs.FromLabels(labels, genuine: Math.Min(2000, labels.Length * 4), impostor: Math.Min(20000, labels.Length * 40), seed);
            if (!pairs.Any(p => p.Genuine) || pairs.All(p => p.Genuine))
                throw new ArgumentException($"the {labels.Length} held-out faces scored give no genuine or no impostor pair for verification; " +
                    "raise --evaluation-images or the images per identity.");
        }

        public RestorationScore Score(string degradation, string method, Tensor processed, double? psnr, double? ssim, double? holePsnr = null)
        {
            var faces = embedder.Prepare(processed);
            double identity = RecognizerEmbeddingMetrics.IdentitySimilarity(embedder, faces, originals).mean().item<double>();
            var probe = embedder.Embed(faces);
            var gallery = embedder.Embed(originals);
            var scores = VerificationPairs.CosineScores(pairs, probe, gallery);
            var summary = Verification.Summarise(scores, pairs.Select(p => p.Genuine).ToArray());
            return new RestorationScore(degradation, method, (int)processed.shape[0], psnr, ssim, holePsnr, identity, summary.Auc, summary.BestAccuracy);
        }
    }
}
