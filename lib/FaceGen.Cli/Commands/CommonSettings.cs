using System.ComponentModel;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary>Options every command understands.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("--device <DEVICE>"), Description("auto | cpu | cuda | cuda:N (default: FACEGEN_DEVICE or auto)")]
    public string? Device { get; init; }

    [CommandOption("--conv-backend <PATH>"), Description("auto | onednn | aten: LibTorch's CPU convolutions (default: FACEGEN_CONV_BACKEND or auto = oneDNN unless the start-up self-check finds it wrong on this CPU)")]
    public string? ConvBackend { get; init; }

    [CommandOption("--threads <N>"), Description("CPU threads for LibTorch (default: FACEGEN_THREADS or LibTorch's choice)")]
    public int? Threads { get; init; }

    [CommandOption("--data-root <DIR>"), Description("Folder holding the real data sets (default: FACEGEN_DATA, else shared/data beside this checkout, else ~/.local/share/facegen/data)")]
    public string? DataRoot { get; init; }

    [CommandOption("--seed <SEED>"), Description("One seed for every random source"), DefaultValue(0)]
    public int Seed { get; init; }
}

/// <summary>Applies <c>--conv-backend</c> before any command runs (the runtime has already checked the default path by
/// then; a different request checks again).</summary>
public sealed class ConvBackendInterceptor : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        if (settings is CommonSettings { ConvBackend: { } value }) FaceGen.Runtime.TorchRuntime.UseConvBackend(value);
    }
}

/// <summary>Options of commands that load a data set.</summary>
public class DatasetSettings : CommonSettings
{
    [CommandOption("--size <PIXELS>"), Description("Square image size after centre crop and resize"), DefaultValue(64)]
    public int Size { get; init; }

    [CommandOption("--channels <1|3>"), Description("1 = grey (luminance), 3 = RGB (default: 3; 1 for the MLP VAE)")]
    public int? Channels { get; init; }

    [CommandOption("--identities <N>"), Description("synthetic only: number of identities"), DefaultValue(64)]
    public int Identities { get; init; }

    [CommandOption("--per-identity <N>"), Description("synthetic only: images per identity"), DefaultValue(16)]
    public int PerIdentity { get; init; }

    [CommandOption("--max-images <N>"), Description("Load at most N images (evenly spread over the set)")]
    public int? MaxImages { get; init; }

    [CommandOption("--skip-bad"), Description("Skip corrupt files and malformed names (and report how many) instead of stopping")]
    public bool SkipBad { get; init; }
}
