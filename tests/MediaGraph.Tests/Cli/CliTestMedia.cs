using System.Diagnostics;
using System.Text.Json;
using CliProgram = global::MediaGraph.Cli.Program;

namespace MediaGraph.Tests.Cli;

/// <summary>What the CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>What ffprobe says about a file: the first video stream's decoded frame count and size, and whether it
/// has audio.</summary>
public sealed record ProbedFile(long VideoFrames, int Width, int Height, bool HasAudio);

/// <summary>
/// The CLI tests' media and helpers: small clips generated once per test run with the ffmpeg CLI into a temp
/// folder (deleted when the run ends), a fresh folder per test, ffprobe as the oracle, and the CLI run in-process.
/// </summary>
public static class CliTestMedia
{
    private static readonly Lazy<Task<string>> Clip = new(() => GenerateAsync("clip.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 2 -c:v libx264 -preset ultrafast -c:a aac"));
    private static readonly Lazy<Task<string>> Silent = new(() => GenerateAsync("silent.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast"));
    private static readonly Lazy<Task<string>> Long = new(() => GenerateAsync("long.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 60 -c:v libx264 -preset ultrafast"));

    static CliTestMedia()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"mediagraph-cli-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(Folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }

    public static string Folder { get; }

    /// <summary>2 s of 320x240 H.264 at 25 fps (50 frames) with AAC audio, in MP4.</summary>
    public static Task<string> ClipAsync() => Clip.Value;

    /// <summary>The same picture without an audio stream.</summary>
    public static Task<string> SilentClipAsync() => Silent.Value;

    /// <summary>60 s (1500 frames) without audio: long enough to be stopped mid-run on a quiet machine too.</summary>
    public static Task<string> LongClipAsync() => Long.Value;

    /// <summary>A new empty folder for one test's outputs.</summary>
    public static string NewFolder()
    {
        var dir = Path.Combine(Folder, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs <c>mediagraph args</c> in-process, as the tool's Main would, and captures what it printed.</summary>
    public static async Task<CliResult> RunAsync(params string[] args) => await RunAsync(new StringWriter(), args, default);

    /// <inheritdoc cref="RunAsync(string[])"/>
    public static async Task<CliResult> RunAsync(StringWriter error, string[] args, CancellationToken cancellationToken)
    {
        var output = new StringWriter();
        var code = await CliProgram.RunAsync(args, output, error, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>ffprobe's count of decoded video frames, the size, and whether there is an audio stream.</summary>
    public static async Task<ProbedFile> ProbeAsync(string path)
    {
        var (code, output, error) = await RunProcessAsync("ffprobe", $"-v error -count_frames -show_entries stream=codec_type,width,height,nb_read_frames -of json \"{path}\"");
        if (code != 0) throw new InvalidOperationException($"ffprobe could not read '{path}': {error}");
        using var json = JsonDocument.Parse(output);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToArray();
        var video = streams.FirstOrDefault(s => s.GetProperty("codec_type").GetString() == "video");
        return video.ValueKind == JsonValueKind.Undefined
            ? new ProbedFile(0, 0, 0, streams.Any(IsAudio))
            : new ProbedFile(long.Parse(video.GetProperty("nb_read_frames").GetString()!), video.GetProperty("width").GetInt32(),
                video.GetProperty("height").GetInt32(), streams.Any(IsAudio));

        static bool IsAudio(JsonElement s) => s.GetProperty("codec_type").GetString() == "audio";
    }

    private static async Task<string> GenerateAsync(string name, string arguments)
    {
        var path = Path.Combine(Folder, name);
        var (code, _, error) = await RunProcessAsync("ffmpeg", $"-v error -y {arguments} \"{path}\"");
        if (code != 0) throw new InvalidOperationException($"ffmpeg could not generate {name}: {error}");
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunProcessAsync(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
