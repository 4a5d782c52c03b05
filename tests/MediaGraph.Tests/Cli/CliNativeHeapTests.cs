using Xunit;

namespace MediaGraph.Tests.Cli;

/// <summary>The C heap setting a long `mediagraph` command runs with (<see cref="CompactNativeHeap"/>): glibc reads it
/// from GLIBC_TUNABLES when the process image starts, so the CLI starts its image again with it, keeping its process
/// id. Read from /proc/PID/environ of the running process.</summary>
public sealed class CliNativeHeapTests
{
    [Fact(Timeout = 120000)]
    public async Task Transcode_RunsWithGlibcsThreadCacheOff_InTheProcessItStartedAs()
    {
        var input = await CliTestMedia.LongClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var environment = await EnvironmentWhileTranscodingAsync(input, output, glibcTunables: null);

        Assert.Contains("glibc.malloc.tcache_count=0", environment.GetValueOrDefault("GLIBC_TUNABLES") ?? "(unset)");
    }

    [Fact(Timeout = 120000)]
    public async Task Transcode_LeavesTheUsersOwnGlibcTunablesAsTheyAre()
    {
        var input = await CliTestMedia.LongClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var environment = await EnvironmentWhileTranscodingAsync(input, output, glibcTunables: "glibc.malloc.arena_max=2");

        Assert.Equal("glibc.malloc.arena_max=2", environment.GetValueOrDefault("GLIBC_TUNABLES"));
    }

    /// <summary>Only the verbs that may run for hours start the process again: the verb as the parser reads it, never a
    /// file or option value of another command that happens to be called "run" or "transcode".</summary>
    [Theory]
    [InlineData("transcode in.mp4 out.mp4", true)]
    [InlineData("run graph.json", true)]
    [InlineData("--verbose run graph.json", true)]
    [InlineData("--device cpu transcode in.mp4 out.mp4 --preset veryslow", true)]
    [InlineData("probe run", false)]
    [InlineData("probe transcode", false)]
    [InlineData("dot run", false)]
    [InlineData("read-text run --model transcode", false)]
    [InlineData("--version", false)]
    [InlineData("", false)]
    public void CompactHeapRestart_FollowsTheVerbNotAnyArgument(string commandLine, bool restarts)
        => Assert.Equal(restarts, MediaGraph.Cli.Program.RunsForHours(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    /// <summary>Starts `mediagraph transcode` (the framework-dependent CLI next to the tests), waits until it shows
    /// progress, reads its environment and stops it.</summary>
    private static async Task<Dictionary<string, string>> EnvironmentWhileTranscodingAsync(string input, string output, string? glibcTunables)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "MediaGraph.Cli.dll"), "transcode", input, output, "--preset", "veryslow" })
            start.ArgumentList.Add(arg);
        start.Environment.Remove("GLIBC_TUNABLES");
        if (glibcTunables is not null) start.Environment["GLIBC_TUNABLES"] = glibcTunables;
        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            _ = process.StandardOutput.ReadToEndAsync();
            var error = new System.Text.StringBuilder();
            var buffer = new char[256];
            int n;
            while (!TranscodeCommandTests.ShowsOutput(error.ToString()) && (n = await process.StandardError.ReadAsync(buffer)) > 0)
                error.Append(buffer, 0, n);
            Assert.False(process.HasExited, $"the transcode ended before it could be looked at: {error}");
            var environ = await File.ReadAllTextAsync($"/proc/{process.Id}/environ");
            return environ.Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0])
                .ToDictionary(g => g.Key, g => g.Last()[1]);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
