using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>The training heads a recogniser can use (<see cref="RecognitionHead.Create"/>).</summary>
public enum RecognitionHeadKind
{
    /// <summary>Plain linear classifier + softmax cross-entropy: logit_j = w_jᵀe + b_j.</summary>
    Softmax,
    /// <summary>Large-margin cosine loss (Wang et al. 2018): target logit s·(cos θ_y − m).</summary>
    CosFace,
    /// <summary>Additive angular margin (Deng et al. 2019): target logit s·cos(θ_y + m).</summary>
    ArcFace,
}

/// <summary>
/// A classification head over identity embeddings, used only for training: logits (N, classes) from
/// embeddings e (N, d) and the true labels y (N), fed to softmax cross-entropy. After training the head is
/// dropped and faces are compared by the cosine of their embeddings. The margin heads compare e with one
/// learned unit vector ŵ_j per identity: cos θ_j = ê·ŵ_j, and penalise only the target class y, which forces
/// each identity's embeddings into a tighter cone than plain softmax does.
/// </summary>
public abstract class RecognitionHead(string name) : Module<Tensor, Tensor, Tensor>(name)
{
    /// <summary>The head of <paramref name="kind"/> for <paramref name="classes"/> identities; <paramref name="scale"/> s
    /// and <paramref name="margin"/> m apply to the margin heads (null: CosFace s = 30, m = 0.35; ArcFace s = 30, m = 0.5).</summary>
    public static RecognitionHead Create(RecognitionHeadKind kind, int embeddingSize, int classes, double? scale = null, double? margin = null) => kind switch
    {
        RecognitionHeadKind.Softmax => new SoftmaxHead(embeddingSize, classes),
        RecognitionHeadKind.CosFace => new CosFaceHead(embeddingSize, classes, scale ?? 30, margin ?? 0.35),
        RecognitionHeadKind.ArcFace => new ArcFaceHead(embeddingSize, classes, scale ?? 30, margin ?? 0.5),
        _ => throw new ArgumentException($"head {kind}: expected softmax, cosface or arcface."),
    };

    /// <summary>Parses softmax | cosface | arcface by the rule of <see cref="OptionNames"/>; otherwise an error naming the value.</summary>
    public static RecognitionHeadKind Parse(string head) => OptionNames.Parse<RecognitionHeadKind>(head, "--head");
}

/// <summary>Softmax head: logit_j = w_jᵀe + b_j (a linear layer; labels are not used).</summary>
public sealed class SoftmaxHead : RecognitionHead
{
    readonly Linear classifier;

    public SoftmaxHead(int embeddingSize, int classes) : base(nameof(SoftmaxHead))
    {
        TorchRuntime.EnsureInitialized();
        classifier = Linear(embeddingSize, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor embeddings, Tensor labels) => classifier.forward(embeddings);
}

/// <summary>The shared part of the margin heads: one learned vector w_j per identity, and
/// cos θ_j = (e/‖e‖)·(w_j/‖w_j‖), clamped to [−1, 1].</summary>
public abstract class CosineHead : RecognitionHead
{
    readonly Parameter weight;

    /// <summary>The scale s: logits are s·(cosine with margin), so that softmax can become confident.</summary>
    public double Scale { get; }
    /// <summary>The margin m (a cosine for CosFace, an angle in radians for ArcFace).</summary>
    public double Margin { get; }

    protected CosineHead(string name, int embeddingSize, int classes, double scale, double margin) : base(name)
    {
        TorchRuntime.EnsureInitialized();
        if (scale <= 0 || margin < 0) throw new ArgumentException($"scale {scale}, margin {margin}: expected s > 0 and m ≥ 0.");
        Scale = scale;
        Margin = margin;
        weight = Parameter(init.xavier_uniform_(empty(classes, embeddingSize)));
        RegisterComponents();
    }

    /// <summary>cos θ (N, classes) between each embedding and each identity's vector.</summary>
    public Tensor Cosines(Tensor embeddings) =>
        functional.normalize(embeddings, dim: 1).matmul(functional.normalize(weight, dim: 1).t()).clamp(-1, 1);

    public override Tensor forward(Tensor embeddings, Tensor labels) => Logits(Cosines(embeddings), labels);

    /// <summary>The head's logits from the cosines (N, classes) and the labels (N).</summary>
    public abstract Tensor Logits(Tensor cosines, Tensor labels);

    /// <summary>A (N, classes) boolean mask that is true at (i, y_i).</summary>
    protected static Tensor TargetMask(Tensor cosines, Tensor labels) =>
        functional.one_hot(labels, cosines.shape[1]).to_type(ScalarType.Bool);
}

/// <summary>
/// CosFace / large-margin cosine loss (Wang et al. 2018, eq. 4):
/// logit_j = s·(cos θ_j − m) for the true class j = y, and s·cos θ_j for every other class.
/// </summary>
public sealed class CosFaceHead(int embeddingSize, int classes, double scale = 30, double margin = 0.35)
    : CosineHead(nameof(CosFaceHead), embeddingSize, classes, scale, margin)
{
    public override Tensor Logits(Tensor cosines, Tensor labels) => CosFaceLogits(cosines, labels, Scale, Margin);

    /// <summary>s·(cos θ − m·[j = y]) for cosines (N, classes) and labels (N).</summary>
    public static Tensor CosFaceLogits(Tensor cosines, Tensor labels, double scale, double margin)
    {
        var target = TargetMask(cosines, labels);
        // s·(cos θ_y − m) on the target, s·cos θ_j elsewhere
        return scale * where(target, cosines - margin, cosines);
    }
}

/// <summary>
/// ArcFace / additive angular margin (Deng et al. 2019, eq. 3): logit_j = s·cos(θ_j + m) for the true class
/// j = y, computed as cos θ·cos m − sin θ·sin m with sin θ = √(1 − cos²θ), and s·cos θ_j for every other class.
/// cos(θ + m) stops decreasing once θ + m &gt; π (it would reward moving further from the class), so there,
/// i.e. when cos θ &lt; cos(π − m), the target logit is s·(cos θ − m·sin m) instead — the CosFace-style
/// penalty of the reference implementation (InsightFace, "easy_margin = false").
/// </summary>
public sealed class ArcFaceHead(int embeddingSize, int classes, double scale = 30, double margin = 0.5)
    : CosineHead(nameof(ArcFaceHead), embeddingSize, classes, scale, margin)
{
    public override Tensor Logits(Tensor cosines, Tensor labels) => ArcFaceLogits(cosines, labels, Scale, Margin);

    /// <summary>The ArcFace logits (see the class summary) for cosines (N, classes) and labels (N).</summary>
    public static Tensor ArcFaceLogits(Tensor cosines, Tensor labels, double scale, double margin)
    {
        var target = TargetMask(cosines, labels);
        // sin θ = √(1 − cos²θ) ≥ 0 for θ ∈ [0, π]; floored at 10⁻¹² under the root so that its gradient stays finite at cos θ = ±1
        var sine = (1 - cosines.square()).clamp_min(1e-12).sqrt();
        // cos(θ + m) = cos θ cos m − sin θ sin m
        var shifted = cosines * Math.Cos(margin) - sine * Math.Sin(margin);
        // θ + m > π  ⇔  cos θ < cos(π − m): use cos θ − m·sin m there
        var fallback = cosines - margin * Math.Sin(margin);
        var targetCosine = where(cosines > Math.Cos(Math.PI - margin), shifted, fallback);
        return scale * where(target, targetCosine, cosines);
    }
}
