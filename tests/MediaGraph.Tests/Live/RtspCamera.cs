using System.Diagnostics;

namespace MediaGraph.Tests.Live;

/// <summary>
/// A live RTSP camera on a loopback port: scripts/rtsp-camera.py, GStreamer's RTSP server (gst-rtsp-server through
/// python3-gi, installed by scripts/setup.sh) serving a generated live picture (videotestsrc, H.264 with a key frame
/// every second) at <see cref="Url"/>. <see cref="Stop"/> kills the server (its connections close, as a camera's power cut does);
/// <see cref="StartAsync"/> starts it again on the same port.
/// </summary>
public sealed class RtspCamera : IDisposable
{
    private readonly string _script;
    private readonly int _width, _height;
    private Process? _process;

    private RtspCamera(int width, int height)
    {
        _width = width;
        _height = height;
        Port = TestServers.FreePort();
        _script = Path.Combine(TestMedia.RepoRoot, "scripts", "rtsp-camera.py");
    }

    public int Port { get; }
    public string Url => $"rtsp://127.0.0.1:{Port}/cam";

    /// <summary>Starts a camera of <paramref name="width"/>×<paramref name="height"/> at 25 fps.</summary>
    public static async Task<RtspCamera> StartAsync(int width = 320, int height = 180)
    {
        var camera = new RtspCamera(width, height);
        await camera.StartAsync();
        return camera;
    }

    /// <summary>Starts (again) and waits until the server accepts connections.</summary>
    public async Task StartAsync()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; // a python from elsewhere may lack gi
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { _script, Port.ToString(), _width.ToString(), _height.ToString() }) info.ArgumentList.Add(a);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data == "ready") ready.TrySetResult(); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Task.WhenAny(ready.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(20)));
        if (!ready.Task.IsCompleted)
            throw new InvalidOperationException($"the RTSP camera did not start (GStreamer's RTSP server through python3-gi: run scripts/setup.sh, which installs python3-gi, gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins): {string.Join("\n", errors)}");
    }

    /// <summary>Kills the server: every client's connection closes.</summary>
    public void Stop() => TestServers.Kill(ref _process);

    public void Dispose() => Stop();
}
