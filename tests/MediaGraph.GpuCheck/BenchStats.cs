using System.Diagnostics;

namespace MediaGraph.GpuCheck;

/// <summary>Medians and the child processes of the benchmarks.</summary>
internal static class BenchStats
{
    /// <summary>The median (the mean of the middle two for an even count); 0 for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> (no shell), stdin closed; returns
    /// its exit code, the wall-clock seconds from start to exit, and the end of its stderr.</summary>
    public static async Task<(int Code, double Seconds, string Error)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, watch.Elapsed.TotalSeconds, $"{program} did not finish within {timeout.TotalSeconds:0} s");
        }
        var seconds = watch.Elapsed.TotalSeconds;
        await output;
        var text = (await error).Trim();
        return (process.ExitCode, seconds, text.Length > 2000 ? text[^2000..] : text);
    }

    /// <summary>A command line as a shell would take it (for the report).</summary>
    public static string Quote(string program, IEnumerable<string> arguments)
        => string.Join(' ', new[] { program }.Concat(arguments).Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_=:,./+".Contains(c)) ? a : $"'{a}'"));
}
