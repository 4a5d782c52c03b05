using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MediaGraph.Tests;

/// <summary>What the tests that start servers in child processes (an RTSP camera, a nats-server) share: a free
/// loopback port to start one on, and a kill that cuts its connections the way a power cut does. Linked into
/// MediaGraph.Brokers.Tests too.</summary>
internal static class TestServers
{
    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now (the system's choice).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills <paramref name="process"/> (SIGKILL: every client's connection closes), waits until it is gone and
    /// forgets it; nothing when it is null (never started, or already killed).</summary>
    public static void Kill(ref Process? process)
    {
        if (process is null) return;
        try { process.Kill(); } catch (InvalidOperationException) { /* it had already exited */ }
        process.WaitForExit();
        process.Dispose();
        process = null;
    }
}
