using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace MediaGraph.Tests;

/// <summary>
/// The media the tests run on: clips generated once per test run with the ffmpeg CLI (cached by name in a temp
/// folder that is deleted when the run ends) and the real clip cityCC0.mpg. Outputs go to a fresh folder per test.
/// </summary>
public static class TestMedia
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Clips = new();
    private static readonly Lazy<string> City = new(FindCity, LazyThreadSafetyMode.ExecutionAndPublication);

    static TestMedia()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"mediagraph-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(Folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }

    /// <summary>This run's temp folder (clips and outputs).</summary>
    public static string Folder { get; }

    /// <summary>The repository root (the folder holding MediaGraph.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>cityCC0.mpg: MPEG-2 in MPEG-PS, 720x405, 25 fps, 190 frames, 7.6 s, no audio.</summary>
    public static string CityCC0 => City.Value;

    /// <summary>A new empty folder for one test's outputs, named after the test.</summary>
    public static string OutputFolder([CallerMemberName] string test = "")
    {
        var name = test.Length > 60 ? test[..60] : test;
        var dir = Path.Combine(Folder, "out", $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The clip <paramref name="name"/> (a file name with extension), made once per run by
    /// <c>ffmpeg -v error -y {arguments} {path}</c>.</summary>
    public static Task<string> ClipAsync(string name, string arguments)
        => Clips.GetOrAdd(name, n => new Lazy<Task<string>>(() => MakeAsync(n, arguments))).Value;

    /// <summary>Small: 64x48, 25 fps, <paramref name="frames"/> frames of testsrc2, libx264 in mp4, no audio.</summary>
    public static Task<string> TinyAsync(int frames = 10) => ClipAsync($"tiny{frames}.mp4",
        $"-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v {frames} -c:v libx264 -preset ultrafast -pix_fmt yuv420p");

    /// <summary>320x240 25 fps H.264 + 48 kHz stereo AAC (a 1 kHz sine) in mp4, <paramref name="seconds"/> long,
    /// a keyframe every second.</summary>
    public static Task<string> SmallWithAudioAsync(int seconds = 2) => ClipAsync($"small-av-{seconds}s.mp4",
        $"-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t {seconds} " +
        "-map 0:v -map 1:a -ac 2 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac");

    /// <summary>The same 320x240 H.264 + AAC content in MPEG-TS (for damage tests: TS resynchronises).</summary>
    public static Task<string> SmallTsAsync(int seconds = 4) => ClipAsync($"small-{seconds}s.ts",
        $"-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t {seconds} " +
        "-map 0:v -map 1:a -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac");

    /// <summary>1920x1080 interlaced (top field first) H.264 at 30000/1001 + AAC whose first sample is 0.1 s after
    /// the first video frame, 3 s.</summary>
    public static Task<string> Interlaced1080iAsync() => ClipAsync("1080i30.mp4",
        "-f lavfi -t 3 -i testsrc2=size=1920x1080:rate=30000/1001 -f lavfi -t 3 -i sine=frequency=1000:sample_rate=48000 " +
        "-filter_complex \"[1:a]asetpts=PTS+0.1/TB[a]\" -map 0:v -map \"[a]\" " +
        "-c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts tff=1 -field_order tt -pix_fmt yuv420p -c:a aac");

    /// <summary>1280x720 25 fps, 20 s, MPEG-2 (fast to decode and to make): a transcode that takes long enough to cancel.</summary>
    public static Task<string> Long720pAsync() => ClipAsync("long720p.mpg",
        "-f lavfi -i testsrc2=size=1280x720:rate=25 -t 20 -c:v mpeg2video -q:v 4 -g 25");

    /// <summary>Runs the ffmpeg CLI; throws with its stderr when it fails.</summary>
    public static async Task RunFfmpegAsync(string arguments, CancellationToken cancellationToken = default)
    {
        var (code, _, error) = await RunProcessAsync("ffmpeg", $"-nostdin -hide_banner -v error -y {arguments}", cancellationToken);
        if (code != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed ({code}): {error}");
    }

    /// <summary>Runs a program, returning its exit code, stdout and stderr; killed after 60 s (or <paramref name="timeoutSeconds"/>).</summary>
    /// <summary>Runs the file-based script samples/<paramref name="script"/> as a user does (<c>dotnet run
    /// samples/x.cs -- ARGUMENTS</c>); its first run builds it (the library is already built), hence the long limit.</summary>
    internal static Task<(int Code, string Output, string Error)> RunSampleAsync(string script, string arguments, int timeoutSeconds = 540)
        => RunProcessAsync("dotnet", $"run \"{Path.Combine(RepoRoot, "samples", script)}\" -- {arguments}", timeoutSeconds: timeoutSeconds);

    internal static async Task<(int Code, string Output, string Error)> RunProcessAsync(string program, string arguments, CancellationToken cancellationToken = default, int timeoutSeconds = 60)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {arguments} did not finish in time");
        }
        return (process.ExitCode, await output, await error);
    }

    private static async Task<string> MakeAsync(string name, string arguments)
    {
        var path = Path.Combine(Folder, name);
        var partial = Path.Combine(Folder, "partial-" + name);
        await RunFfmpegAsync($"{arguments} \"{partial}\"");
        File.Move(partial, path, overwrite: true);
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MediaGraph.sln"))) return dir.FullName;
        throw new InvalidOperationException($"cannot find the repository root (MediaGraph.sln) above {AppContext.BaseDirectory}");
    }

    /// <summary>testdata/cityCC0.mpg, copied there from the shared media folder when missing (testdata/ is ignored by git).</summary>
    private static string FindCity()
    {
        var target = Path.Combine(RepoRoot, "testdata", "cityCC0.mpg");
        if (File.Exists(target)) return target;
        var sources = new[]
        {
            Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "media", "cityCC0.mpg")),
            "/work/shared/media/cityCC0.mpg",
        };
        var source = sources.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"cityCC0.mpg is in none of: {target}, {string.Join(", ", sources)}");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = target + $".{Environment.ProcessId}.partial";
        File.Copy(source, partial, overwrite: true);
        File.SetAttributes(partial, FileAttributes.Normal); // the shared copy is read-only
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
