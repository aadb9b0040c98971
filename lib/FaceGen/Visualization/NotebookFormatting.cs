namespace FaceGen.Visualization;

/// <summary>
/// Marks a type whose instances .NET Interactive should display with the formatters that
/// <see cref="FormatterSourceType"/> creates. The kernel matches this attribute by name, so the kit
/// registers notebook formatters without referencing the kernel's (beta) packages — the same
/// convention TorchSharp uses for tensors (its Utils/NotebookFormattingSupport.cs).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
}

/// <summary>Formatters for <see cref="ImageGrid"/>: an inline HTML picture, and a one-line text form.</summary>
internal sealed class ImageGridFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new ImageGridHtmlFormatter();
        yield return new ImageGridTextFormatter();
    }
}

internal sealed class ImageGridHtmlFormatter
{
    public string MimeType => "text/html";

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not ImageGrid grid) return false;
        writer.Write(grid.ToHtml());
        return true;
    }
}

internal sealed class ImageGridTextFormatter
{
    public string MimeType => "text/plain";

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not ImageGrid grid) return false;
        writer.Write($"ImageGrid {grid.Width}×{grid.Height} px, {grid.Png.Length} bytes PNG{(grid.Caption.Length > 0 ? ": " + grid.Caption : "")}");
        return true;
    }
}
