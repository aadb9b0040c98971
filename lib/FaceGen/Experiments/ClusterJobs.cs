using System.Globalization;
using System.Text;
using FaceGen.Data;

namespace FaceGen.Experiments;

/// <summary>What a cluster's jobs ask for: the scheduler's resources per cell and how the kit is started there.
/// Every cell of the grid is one task (a Slurm array task, a pod of a Kubernetes Indexed Job), which runs
/// <c>facegen ablate SPEC --out DIR --shard I/N</c> with N = the number of cells, so shard I is cell I.</summary>
public sealed record ClusterJobOptions
{
    /// <summary>The command that starts the kit on the cluster's nodes, as shell words (a path on the shared file
    /// system, or the image's entry point), e.g. <c>/shared/facegen/lib/FaceGen.Cli/bin/Release/net10.0/facegen</c>.</summary>
    public required string Facegen { get; init; }
    /// <summary>quick, standard or full.</summary>
    public required string Profile { get; init; }
    /// <summary>CPU cores per cell; LibTorch gets as many threads (FACEGEN_THREADS).</summary>
    public int CpusPerTask { get; init; } = 2;
    /// <summary>GPUs per cell; with any, the kit runs on cuda (FACEGEN_DEVICE), else on cpu.</summary>
    public int GpusPerTask { get; init; }
    /// <summary>Most cells running at once (Slurm's %K, Kubernetes' parallelism); null: as many as the cluster allows
    /// (Kubernetes: every cell).</summary>
    public int? MaxConcurrent { get; init; }
    /// <summary>Slurm: the partition; null = the cluster's default.</summary>
    public string? Partition { get; init; }
    /// <summary>Slurm: the time limit of one cell, HH:MM:SS (or D-HH:MM:SS); null = the partition's default.</summary>
    public string? TimeLimit { get; init; }
    /// <summary>Kubernetes: the container image holding the built kit.</summary>
    public string Image { get; init; } = "facegen:latest";
    /// <summary>Kubernetes: the PersistentVolumeClaim (ReadWriteMany) that holds the experiment folder.</summary>
    public string VolumeClaim { get; init; } = "facegen-experiments";
    /// <summary>Kubernetes: memory request and limit per cell.</summary>
    public string Memory { get; init; } = "4Gi";

    /// <summary>cpu or cuda.</summary>
    public string Device => GpusPerTask > 0 ? "cuda" : "cpu";

    /// <summary>Checks the values a scheduler would reject later, naming the option.</summary>
    public void Validate()
    {
        if (CpusPerTask < 1) throw new ArgumentException($"--cpus-per-task {CpusPerTask}: must be ≥ 1.");
        if (GpusPerTask < 0) throw new ArgumentException($"--gpus-per-task {GpusPerTask}: must be ≥ 0.");
        if (MaxConcurrent is < 1) throw new ArgumentException($"--max-concurrent {MaxConcurrent}: must be ≥ 1.");
        if (TimeLimit is { } time && !System.Text.RegularExpressions.Regex.IsMatch(time, @"^(\d+-)?\d{1,3}:\d\d:\d\d$"))
            throw new ArgumentException($"--time {time}: expected HH:MM:SS or D-HH:MM:SS, e.g. --time 02:00:00.");
        if (Partition is { } partition && !System.Text.RegularExpressions.Regex.IsMatch(partition, @"^[A-Za-z0-9_.,-]+$"))
            throw new ArgumentException($"--partition {partition}: expected a partition name (letters, digits, _ . , -).");
    }
}

/// <summary>
/// A Slurm job array for an experiment folder (<c>facegen ablate SPEC --out DIR --emit slurm</c>):
/// <code>
/// DIR/slurm/ablate.sbatch   #SBATCH --array=0-(N−1)%K: task I runs cell I (facegen ablate … --shard I/N)
/// DIR/slurm/report.sbatch   facegen report DIR: merges whatever finished
/// DIR/slurm/submit.sh       submits the array, then the report with --dependency=afterany on it
/// DIR/logs/cell-&lt;I&gt;.out    each task's output (stdout and stderr)
/// </code>
/// Resubmitting (<c>bash DIR/slurm/submit.sh</c>) finishes an interrupted grid: finished cells are kept by their
/// tasks at once, cells of dead tasks are redone (<see cref="CellClaims"/>).
/// </summary>
public static class SlurmJobs
{
    /// <summary>Writes the three files and returns the path of submit.sh.</summary>
    public static string Write(ExperimentSpec spec, string folder, IReadOnlyList<PlannedRun> plan, ClusterJobOptions options)
    {
        options.Validate();
        folder = Path.GetFullPath(folder);
        var slurm = Path.Combine(folder, "slurm");
        var logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(slurm);
        Directory.CreateDirectory(logs);
        string throttle = options.MaxConcurrent is int k ? $"%{k}" : "";
        var resources = new StringBuilder();
        resources.Append($"#SBATCH --cpus-per-task={options.CpusPerTask}\n");
        if (options.GpusPerTask > 0) resources.Append($"#SBATCH --gpus-per-task={options.GpusPerTask}\n");
        if (options.Partition is { } partition) resources.Append($"#SBATCH --partition={partition}\n");
        if (options.TimeLimit is { } time) resources.Append($"#SBATCH --time={time}\n");

        string cpus = options.CpusPerTask.ToString(CultureInfo.InvariantCulture);
        var array = $$"""
            #!/bin/bash
            # One task per cell of experiment '{{spec.Name}}' ({{plan.Count}} cells, profile {{options.Profile}}); written by facegen ablate --emit slurm.
            # Task I runs cell I; a cell that is finished is kept, one whose worker died is redone. Resubmit to resume.
            #SBATCH --job-name={{JobName(spec)}}
            #SBATCH --array=0-{{plan.Count - 1}}{{throttle}}
            #SBATCH --output={{logs}}/cell-%a.out
            {{resources.ToString().TrimEnd('\n')}}
            export FACEGEN_DEVICE={{options.Device}}
            export FACEGEN_THREADS="${SLURM_CPUS_PER_TASK:-{{cpus}}}"
            export FACEGEN_PROFILE={{options.Profile}}
            exec {{options.Facegen}} ablate {{Quote(spec.Source)}} --out {{Quote(folder)}} --profile {{options.Profile}} --shard "$SLURM_ARRAY_TASK_ID/{{plan.Count}}"

            """;
        string reportPartition = options.Partition is { } p ? $"#SBATCH --partition={p}\n" : "";
        var report = $$"""
            #!/bin/bash
            # Merges the finished cells of experiment '{{spec.Name}}' into results.csv, summary.md and charts.html.
            #SBATCH --job-name={{JobName(spec)}}-report
            #SBATCH --output={{logs}}/report.out
            #SBATCH --cpus-per-task=1
            {{reportPartition}}exec {{options.Facegen}} report {{Quote(folder)}}

            """;
        var submit = $$"""
            #!/bin/bash
            # Submits the array of experiment '{{spec.Name}}' and, once every task has ended (finished, failed or cancelled),
            # the report. Run it again to resume an interrupted grid: finished cells are kept.
            set -euo pipefail
            cd "$(dirname "$0")"
            array=$(sbatch --parsable ablate.sbatch)
            array=${array%%;*}
            report=$(sbatch --parsable --dependency=afterany:$array report.sbatch)
            echo "array job $array ({{plan.Count}} cells), report job ${report%%;*}; watch: squeue -j $array; sacct -j $array"

            """;
        AtomicFileWriteExecutable(Path.Combine(slurm, "ablate.sbatch"), array);
        AtomicFileWriteExecutable(Path.Combine(slurm, "report.sbatch"), report);
        var submitPath = Path.Combine(slurm, "submit.sh");
        AtomicFileWriteExecutable(submitPath, submit);
        return submitPath;
    }

    /// <summary>A job name Slurm and Kubernetes both accept: "facegen-" + the experiment's slug, lower case, letters,
    /// digits and '-' only, at most 52 characters (Kubernetes names ≤ 63, leaving room for "-report" and pod suffixes).</summary>
    public static string JobName(ExperimentSpec spec)
    {
        var name = "facegen-" + new string(ExperimentSpec.Slug(spec.Name).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        return name[..Math.Min(52, name.Length)].TrimEnd('-');
    }

    /// <summary>A single-quoted shell word.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    static void AtomicFileWriteExecutable(string path, string text)
    {
        Runtime.AtomicFile.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}

/// <summary>
/// A Kubernetes Indexed Job for an experiment folder (<c>facegen ablate SPEC --out DIR --emit k8s</c>):
/// <code>
/// DIR/k8s/ablate-job.yaml   completionMode Indexed, completions N, parallelism K: pod I runs cell I
///                           (--shard $JOB_COMPLETION_INDEX/N), the experiment folder on a ReadWriteMany volume
/// DIR/k8s/report-job.yaml   facegen report on the same volume; apply it once the first Job has ended
/// </code>
/// The experiment folder is mounted at the same path in every pod as it has here, and the spec is read from
/// <c>DIR/spec.json</c> (a copy written beside it), so the volume holds everything a pod needs.
/// </summary>
public static class KubernetesJobs
{
    /// <summary>Writes the two manifests and returns the path of the Indexed Job's.</summary>
    public static string Write(ExperimentSpec spec, string folder, IReadOnlyList<PlannedRun> plan, ClusterJobOptions options)
    {
        options.Validate();
        if (spec.RecognizerRun is not null)
            throw new DataException(spec.Source, "recognizer: names a run folder, which a pod cannot see; give the recogniser's options instead for --emit k8s.");
        folder = Path.GetFullPath(folder);
        var k8s = Path.Combine(folder, "k8s");
        Directory.CreateDirectory(k8s);
        var specCopy = Path.Combine(folder, "spec.json");
        Runtime.AtomicFile.WriteAllText(specCopy, spec.Text);
        var name = SlurmJobs.JobName(spec);
        string threads = options.CpusPerTask.ToString(CultureInfo.InvariantCulture);
        string ablate = $"exec {options.Facegen} ablate {SlurmJobs.Quote(specCopy)} --out {SlurmJobs.Quote(folder)} " +
                        $"--profile {options.Profile} --shard \"$JOB_COMPLETION_INDEX/{plan.Count}\"";
        var gpu = options.GpusPerTask > 0 ? $"\n              nvidia.com/gpu: {options.GpusPerTask}" : "";
        var job = $$"""
            # One pod per cell of experiment '{{spec.Name}}' ({{plan.Count}} cells, profile {{options.Profile}}); written by facegen ablate --emit k8s.
            # kubectl apply -f ablate-job.yaml; then, once it has ended, kubectl apply -f report-job.yaml
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{name}}
            spec:
              completionMode: Indexed
              completions: {{plan.Count}}
              parallelism: {{options.MaxConcurrent ?? plan.Count}}
              backoffLimitPerIndex: 2
              maxFailedIndexes: {{plan.Count}}
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: facegen
                      image: {{Yaml(options.Image)}}
                      command: ["/bin/sh", "-c", {{Yaml(ablate)}}]
                      env:
                        - name: FACEGEN_DEVICE
                          value: {{options.Device}}
                        - name: FACEGEN_THREADS
                          value: "{{threads}}"
                      resources:
                        requests:
                          cpu: "{{threads}}"
                          memory: {{Yaml(options.Memory)}}
                        limits:
                          memory: {{Yaml(options.Memory)}}{{gpu}}
                      volumeMounts:
                        - name: experiments
                          mountPath: {{Yaml(folder)}}
                  volumes:
                    - name: experiments
                      persistentVolumeClaim:
                        claimName: {{Yaml(options.VolumeClaim)}}

            """;
        var report = $$"""
            # Merges the finished cells of experiment '{{spec.Name}}' into results.csv, summary.md and charts.html.
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{name}}-report
            spec:
              backoffLimit: 1
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: report
                      image: {{Yaml(options.Image)}}
                      command: ["/bin/sh", "-c", {{Yaml($"exec {options.Facegen} report {SlurmJobs.Quote(folder)}")}}]
                      resources:
                        requests:
                          cpu: "1"
                          memory: 1Gi
                      volumeMounts:
                        - name: experiments
                          mountPath: {{Yaml(folder)}}
                  volumes:
                    - name: experiments
                      persistentVolumeClaim:
                        claimName: {{Yaml(options.VolumeClaim)}}

            """;
        var jobPath = Path.Combine(k8s, "ablate-job.yaml");
        Runtime.AtomicFile.WriteAllText(jobPath, job);
        Runtime.AtomicFile.WriteAllText(Path.Combine(k8s, "report-job.yaml"), report);
        return jobPath;
    }

    /// <summary>A double-quoted YAML scalar (JSON string syntax is valid YAML).</summary>
    static string Yaml(string text) => System.Text.Json.JsonSerializer.Serialize(text, YamlStrings);

    static readonly System.Text.Json.JsonSerializerOptions YamlStrings = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
