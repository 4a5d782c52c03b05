using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace MediaGraph.Tests.Cli;

/// <summary>The version comes from the repository (MinVer): never the number once hard-coded, and it names the commit.</summary>
public sealed partial class VersionTests
{
    // 1.2.3, 1.2.4-alpha.0.5 (5 commits after the tag v1.2.3) or 0.2.0-alpha.0.48 (no tag in reach), then +<full sha>.
    [GeneratedRegex(@"^(?<core>\d+\.\d+\.\d+)(-(?<pre>[0-9A-Za-z.-]+))?(\+(?<sha>[0-9a-f]{40}))?$")]
    private static partial Regex InformationalVersion();

    [Fact]
    public void LibraryVersion_ComesFromTheRepository_AndNamesACommitOfIt()
    {
        var version = MediaGraph.Diagnostics.Version;

        var match = InformationalVersion().Match(version);
        Assert.True(match.Success, $"'{version}' is not <semver>+<commit sha>");
        Assert.NotEqual("0.1.0", match.Groups["core"].Value);   // the number hard-coded before MinVer
        Assert.NotEqual("1.0.0", match.Groups["core"].Value);   // the SDK's default when nothing sets a version
        if (match.Groups["pre"].Success && match.Groups["pre"].Value.StartsWith("alpha.0.", StringComparison.Ordinal))
            Assert.Matches(@"^alpha\.0\.\d+$", match.Groups["pre"].Value);   // MinVer's height since the tag (or the root)

        // Built from a git checkout (a clone, shallow or not, or a worktree), the version ends with the commit, and the
        // commit is one of this repository's (not necessarily HEAD: a commit made after the build is fine). Only a
        // source tree without .git builds without it.
        if (!Directory.Exists(Path.Combine(TestMedia.RepoRoot, ".git")) && !File.Exists(Path.Combine(TestMedia.RepoRoot, ".git"))) return;
        Assert.True(match.Groups["sha"].Success, $"'{version}' does not end with +<commit sha>");
        var sha = match.Groups["sha"].Value;
        using var git = Process.Start(new ProcessStartInfo("git", ["-C", TestMedia.RepoRoot, "cat-file", "-e", sha + "^{commit}"])
        {
            RedirectStandardError = true,
        })!;
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"{sha} (from '{version}') is not a commit of {TestMedia.RepoRoot}: {git.StandardError.ReadToEnd()}");
    }

    [Fact(Timeout = 60000)]
    public async Task VersionOption_And_Doctor_PrintTheSameVersion()
    {
        var version = await CliTestMedia.RunAsync("--version");
        var doctor = await CliTestMedia.RunAsync("doctor");

        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(MediaGraph.Diagnostics.Version, version.Out.Trim());   // the CLI and the library are built from one commit
        Assert.StartsWith($"MediaGraph {MediaGraph.Diagnostics.Version} on ", doctor.Out);
    }
}
