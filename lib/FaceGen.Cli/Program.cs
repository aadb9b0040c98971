using FaceGen.Cli.Commands;
using FaceGen.Data;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

// --verbose (anywhere on the line) adds stack traces to errors; it is taken out before the commands parse their options.
bool verbose = args.Contains("--verbose");
args = args.Where(a => a != "--verbose").ToArray();
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("facegen");
    config.SetInterceptor(new ConvBackendInterceptor());
    config.UseStrictParsing();   // an unknown or mistyped option is an error, never silently ignored
    config.SetExceptionHandler((exception, _) =>
    {
        // Every failure ends with one paragraph (exit code 2), never a stack trace unless --verbose asks for one. Bad input
        // and environment problems say what to do in their message; anything else is named as unexpected.
        var known = exception is DataException or TorchLoadException or ArgumentException or IOException or UnauthorizedAccessException
            or InvalidDataException or System.Text.Json.JsonException or CommandParseException or CommandRuntimeException
            or FaceGen.Training.TrainingDivergedException;
        var hint = OptionHint(exception);
        var message = hint.Length == 0 ? exception.Message : exception.Message.TrimEnd('.') + hint;
        AnsiConsole.MarkupLine(known ? $"[red]error:[/] {Markup.Escape(message)}"
            : $"[red]error:[/] {Markup.Escape($"{exception.GetType().Name}: {exception.Message}")} (unexpected: rerun with --verbose and report the stack trace)");
        if (verbose) AnsiConsole.WriteException(exception);
        return 2;
    });
    config.AddCommand<QuickstartCommand>("quickstart").WithDescription("doctor, then contact sheets of the synthetic faces and of the real sets found under --data-root.");
    config.AddCommand<DoctorCommand>("doctor").WithDescription("Check the platform, the TorchSharp native backend, the device and a tiny computation.");
    config.AddBranch("train", train =>
    {
        train.SetDescription("Train a model; results go to a new run folder.");
        train.AddCommand<TrainGanCommand>("gan").WithDescription("Train a GAN (DCGAN, loss family, conditional, EMA, penalties).");
        train.AddCommand<TrainVaeCommand>("vae").WithDescription("Train a VAE (MLP or conv, Bernoulli/Gaussian/Laplace, β and warm-up, conditional).");
        train.AddCommand<TrainRecognizerCommand>("recognizer").WithDescription("Train a face recogniser (CNN embedding; softmax, CosFace or ArcFace head) on a k-per-identity split.");
        train.AddCommand<TrainRestoreCommand>("restore").WithDescription("Train a restorer (×4 super-resolution, denoising or inpainting; U-Net, U-Net + adversarial, or VAE) and score it against classical baselines.");
    });
    config.AddBranch("sample", sample =>
    {
        sample.SetDescription("Draw samples from a trained model.");
        sample.AddCommand<SampleGanCommand>("gan").WithDescription("A grid of samples from a GAN run or checkpoint.");
    });
    config.AddBranch("eval", evaluate =>
    {
        evaluate.SetDescription("Evaluate a trained model.");
        evaluate.AddCommand<EvalVaeCommand>("vae").WithDescription("ELBO, IWAE bound and log p(x) estimate (nats, bits/dim) on a test split.");
        evaluate.AddCommand<EvalRecognizerCommand>("recognizer").WithDescription("Identification (vs eigenfaces and pixel 1-NN) and verification AUC/EER/TAR@FAR of a recogniser run.");
        evaluate.AddCommand<EvalGeneratorCommand>("generator").WithDescription("A GAN or VAE run against its training and held-out faces: pixel FD; with --recognizer, FD/KID (recogniser embedding) and precision/recall; the memorisation check.");
        evaluate.AddCommand<EvalRestoreCommand>("restore").WithDescription("PSNR/SSIM (overall and in the hole), and with --recognizer identity similarity and verification, of a restoration run vs the baselines.");
    });
    config.AddBranch("experiment", experiment =>
    {
        experiment.SetDescription("Experiments that compare training conditions over several seeds.");
        experiment.AddCommand<ExperimentAugmentCommand>("augment").WithDescription("Few-shot recognition (k = 1, 2, 3) with real images, classic augmentation, cGAN/cVAE samples, or synthetic pre-training; mean ± std over seeds.");
    });
    config.AddCommand<AblateCommand>("ablate").WithDescription("Run an experiment spec's grid of settings × seeds (resumable, time budget); results.csv, summary.md (mean ± std), charts.html.");
    config.AddCommand<ReportCommand>("report").WithDescription("Rebuild results.csv, summary.md and charts.html of an ablate folder from its run folders.");
    config.AddBranch("notebooks", notebooks =>
    {
        notebooks.SetDescription("The notebook series.");
        notebooks.AddCommand<NotebooksRunCommand>("run").WithDescription("Execute every notebook headless, in order; write the executed copies, one HTML page each and an index page.");
        notebooks.AddCommand<NotebooksPublishCommand>("publish").WithDescription("Rebuild the HTML pages and index of an existing run folder from its executed notebooks.");
    });
    config.AddBranch<CommonSettings>("bench", bench =>
    {
        bench.SetDescription("Measure speed and memory (the whole suite, or one part); ratios come from side-by-side runs.");
        bench.SetDefaultCommand<BenchSuiteCommand>();
        bench.AddCommand<BenchTrainerCommand>("trainer").WithDescription("The kit's trainer against a bare TorchSharp loop of the same DCGAN step.");
        bench.AddCommand<BenchConvBackendsCommand>("conv-backends").WithDescription("The convolution path in force and why; oneDNN's and ATen's convolutions timed side by side on the kit's models.");
    });
    config.AddBranch("data", data =>
    {
        data.SetDescription("List, preview and fetch data sets.");
        data.AddCommand<DataListCommand>("list").WithDescription("The named data sets and where each was found.");
        data.AddCommand<DataPreviewCommand>("preview").WithDescription("A contact sheet PNG of a data set (name or folder).");
        data.AddCommand<DataFetchCommand>("fetch").WithDescription("Download a public data set from its official address, checksum-verified (needs internet).");
    });
});
return app.Run(args);

// "; did you mean '--steps'?" for an unknown option, from the long names of every option the commands declare. A name
// that one of them declares exactly was typed right but given to the wrong command: suggesting it back would be no help.
static string OptionHint(Exception exception)
{
    if (exception is not CommandParseException || System.Text.RegularExpressions.Regex.Match(exception.Message, "^Unknown option '([^']+)'") is not { Success: true } unknown)
        return "";
    var names = typeof(CommonSettings).Assembly.GetTypes()
        .SelectMany(t => t.GetProperties())
        .SelectMany(p => p.GetCustomAttributes(typeof(CommandOptionAttribute), inherit: true).Cast<CommandOptionAttribute>())
        .SelectMany(a => a.LongNames).Distinct().ToList();
    var name = unknown.Groups[1].Value;
    if (names.Contains(name)) return $": --{name} belongs to other facegen commands, not to this one (--help lists this command's options)";
    var hint = OptionNames.Suggest(name, names);
    return hint.Replace("mean '", "mean '--");
}
