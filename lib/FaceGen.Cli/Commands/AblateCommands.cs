using System.ComponentModel;
using FaceGen.Experiments;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary><c>facegen ablate SPEC --out DIR</c>: runs an experiment spec's grid (<see cref="Ablation"/>), resuming
/// a folder that already holds some of its runs.</summary>
public sealed class AblateCommand : Command<AblateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SPEC>"), Description("Experiment spec (JSON), e.g. data/experiments/gan-losses.json")]
        public string Spec { get; init; } = "";

        [CommandOption("--out <DIR>"), Description("Experiment folder: created, or resumed when it holds runs of the same spec")]
        public string? Out { get; init; }

        [CommandOption("--profile <PROFILE>"), Description("quick | standard | full: the sizes the spec gives each (default: FACEGEN_PROFILE or standard)")]
        public string? Profile { get; init; }

        [CommandOption("--max-minutes <M>"), Description("Start no run after M minutes (or when the next would overrun them); run again to continue")]
        public double? MaxMinutes { get; init; }

        [CommandOption("--threads <N>"), Description("CPU threads for LibTorch (default: FACEGEN_THREADS or LibTorch's choice)")]
        public int? Threads { get; init; }

        [CommandOption("--dry-run"), Description("Check the spec and list the planned runs without running them (no folder needed)")]
        public bool DryRun { get; init; }

        [CommandOption("--plan"), Description("Prepare --out DIR for the grid (experiment.json: cell ids and the plan's hash) and list the cells, without running them")]
        public bool Plan { get; init; }

        [CommandOption("--shard <I/N>"), Description("Run only shard I of N (0-based): the cells whose index mod N is I; workers on one folder never run a cell twice")]
        public string? Shard { get; init; }

        [CommandOption("--cell <ID>"), Description("Run only this cell (an id --plan lists, e.g. loss-hinge-s1)")]
        public string? Cell { get; init; }

        [CommandOption("--emit <SCHEDULER>"), Description("slurm | k8s: write the jobs that run the grid on a cluster (DIR/slurm/ or DIR/k8s/) instead of running it here")]
        public string? Emit { get; init; }

        [CommandOption("--facegen <PATH>"), Description("--emit: the facegen command on the cluster's nodes (default: this one)")]
        public string? Facegen { get; init; }

        [CommandOption("--partition <P>"), Description("--emit slurm: the partition (default: the cluster's)")]
        public string? Partition { get; init; }

        [CommandOption("--time <HH:MM:SS>"), Description("--emit slurm: time limit of one cell")]
        public string? Time { get; init; }

        [CommandOption("--cpus-per-task <C>"), Description("--emit: CPU cores per cell, also LibTorch's threads (default 2)")]
        public int? CpusPerTask { get; init; }

        [CommandOption("--gpus-per-task <G>"), Description("--emit: GPUs per cell; with any, the cells run on cuda (default 0: cpu)")]
        public int? GpusPerTask { get; init; }

        [CommandOption("--max-concurrent <K>"), Description("--emit: most cells running at once (Slurm %K, Kubernetes parallelism)")]
        public int? MaxConcurrent { get; init; }

        [CommandOption("--image <IMAGE>"), Description("--emit k8s: container image holding the built kit (default facegen:latest)")]
        public string? Image { get; init; }

        [CommandOption("--volume-claim <PVC>"), Description("--emit k8s: ReadWriteMany PersistentVolumeClaim holding DIR (default facegen-experiments)")]
        public string? VolumeClaim { get; init; }

        [CommandOption("--memory <QUANTITY>"), Description("--emit k8s: memory request and limit per cell (default 4Gi)")]
        public string? Memory { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var spec = ExperimentSpec.Load(s.Spec);
        var profile = s.Profile ?? FaceGen.Runtime.Profile.Current;
        var plan = spec.Expand(profile);
        // Options are checked before anything is listed or planned: a dry run with a bad value would hide it.
        var shard = s.Shard is null ? null : Shard.Parse(s.Shard);
        var ablation = new AblationOptions
        {
            Profile = profile, MaxMinutes = s.MaxMinutes, Shard = shard, Cell = s.Cell,
            // A worker of a part writes no charts.html (Plotly, 4 MB, seconds): `facegen report` does, once, at the end.
            Charts = shard is null && s.Cell is null,
        };
        ablation.Validate();
        AnsiConsole.MarkupLine(Markup.Escape($"{spec.Name}: {plan.Count} cells ({plan.Select(r => r.Setting).Distinct().Count()} settings × seeds), profile {profile}"));
        if (s.DryRun)
        {
            foreach (var run in plan) Console.WriteLine($"  {run.Index} {run.FolderName}");
            return 0;
        }
        if (s.Out is null) throw new ArgumentException("--out DIR: give the experiment folder (a new one, or an earlier one to resume).");
        if (s.Emit is { } emit)
            return Emit(emit, spec, s, profile);
        if (s.Plan)
        {
            Ablation.Plan(spec, s.Out, profile);
            Console.WriteLine($"plan hash {Ablation.PlanHash(plan, profile)}; {plan.Count} cells (id, setting, seed), in {Path.Combine(Path.GetFullPath(s.Out), "experiment.json")}:");
            foreach (var run in plan) Console.WriteLine($"  {run.Index} {run.FolderName}  {run.Setting}  seed {run.Seed}");
            return 0;
        }
        Devices.ConfigureThreads(s.Threads);
        var result = ConsoleProgress.Run(progress => Ablation.Run(spec, s.Out, ablation, progress));
        // Plain output: AnsiConsole would wrap the Markdown table at the console width.
        Console.WriteLine(AblationReport.Markdown(result));
        AnsiConsole.MarkupLine(Markup.Escape($"{result.RanNow} runs now, {result.Resumed} kept from before, " +
            (result.HeldElsewhere > 0 ? $"{result.HeldElsewhere} being run by other workers, " : "") + $"{result.Remaining} remain" +
            (shard is not null || s.Cell is not null ? $" in the whole grid (this worker's share: {result.Selected} of {result.PlannedRuns} cells)" : "") +
            (result.BudgetSpent ? $" (time budget of {s.MaxMinutes} min spent: run the same command again to continue)" : "") + "."));
        AnsiConsole.MarkupLine(Markup.Escape($"results: {Path.Combine(result.Folder, "results.csv")}, {Path.Combine(result.Folder, "summary.md")}, {Path.Combine(result.Folder, "charts.html")}"));
        return 0;
    }

    /// <summary>--emit slurm|k8s: prepares the folder (as --plan does) and writes the cluster's jobs into it.</summary>
    static int Emit(string scheduler, ExperimentSpec spec, Settings s, string profile)
    {
        var options = new ClusterJobOptions
        {
            Facegen = s.Facegen ?? ThisCommand(),
            Profile = profile,
            CpusPerTask = s.CpusPerTask ?? 2,
            GpusPerTask = s.GpusPerTask ?? 0,
            MaxConcurrent = s.MaxConcurrent,
            Partition = s.Partition,
            TimeLimit = s.Time,
            Image = s.Image ?? "facegen:latest",
            VolumeClaim = s.VolumeClaim ?? "facegen-experiments",
            Memory = s.Memory ?? "4Gi",
        };
        options.Validate();
        var kind = OptionNames.Parse<ClusterScheduler>(scheduler, "--emit");
        var plan = Ablation.Plan(spec, s.Out!, profile);
        if (kind == ClusterScheduler.Slurm)
        {
            var submit = SlurmJobs.Write(spec, s.Out!, plan, options);
            Console.WriteLine($"wrote {Path.GetDirectoryName(submit)}/ablate.sbatch (array 0-{plan.Count - 1}, one task per cell), report.sbatch and submit.sh");
            Console.WriteLine($"submit: bash {submit}   watch: squeue --me; sacct -j JOB   merge what finished: facegen report {Path.GetFullPath(s.Out!)}");
        }
        else
        {
            var job = KubernetesJobs.Write(spec, s.Out!, plan, options);
            Console.WriteLine($"wrote {job} (Indexed Job, {plan.Count} completions) and report-job.yaml beside it");
            Console.WriteLine($"kubectl apply -f {job}; kubectl wait --for=condition=complete --timeout=24h job/{SlurmJobs.JobName(spec)}; kubectl apply -f {Path.GetDirectoryName(job)}/report-job.yaml");
        }
        return 0;
    }

    /// <summary>The command that started this process, as shell words: the apphost, or "dotnet FaceGen.Cli.dll" under dotnet.</summary>
    static string ThisCommand()
    {
        var process = Environment.ProcessPath ?? "facegen";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? $"{SlurmJobs.Quote(process)} {SlurmJobs.Quote(typeof(AblateCommand).Assembly.Location)}"
            : SlurmJobs.Quote(process);
    }
}

/// <summary>The schedulers <c>--emit</c> writes jobs for.</summary>
public enum ClusterScheduler { Slurm, K8s }

/// <summary><c>facegen report DIR</c>: rebuilds results.csv, summary.md and charts.html of an experiment folder from
/// its run folders (<see cref="AblationReport.Rebuild"/>).</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>"), Description("Experiment folder written by facegen ablate")]
        public string Folder { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = AblationReport.Rebuild(s.Folder);
        // Plain output: AnsiConsole would wrap the Markdown table at the console width.
        Console.WriteLine(AblationReport.Markdown(result));
        AnsiConsole.MarkupLine(Markup.Escape($"rebuilt from {result.Runs.Count} runs: {Path.Combine(result.Folder, "results.csv")}, summary.md, charts.html"));
        Console.WriteLine(result.Remaining == 0 ? $"all {result.PlannedRuns} cells finished."
            : $"{result.Remaining} of {result.PlannedRuns} cells missing" + (result.MissingCells.Count > 0 ? $": {Ablation.Listing(result.MissingCells)}" : "") +
              " (not finished yet, or their workers died: run the grid again, e.g. resubmit, to finish them).");
        return 0;
    }
}
