using System.Reflection;
using System.Runtime.InteropServices;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Says whether this machine can run graphs, and if not, what is missing: the native shim and the FFmpeg
/// libraries it loads (built-against and loaded versions), then the codecs and filters the defaults and the
/// built-in nodes need. It is what <c>mediagraph doctor</c> prints; call it from an app's health check or when
/// a graph fails in a way that smells of a broken install.
/// </summary>
public static class Diagnostics
{
    private readonly record struct Requirement(string Name, string What, bool Required, string Use);

    private static readonly Requirement[] Requirements =
    [
        new("libx264", "encoder", true, "the default video encoder of mp4, mkv, mov and HLS"),
        new("aac", "encoder", true, "the default audio encoder of mp4, mov and HLS"),
        new("h264", "decoder", true, "decoding H.264"),
        new("scale", "filter", true, "Scale"),
        new("yadif", "filter", true, "Deinterlace (yadif)"),
        new("bwdif", "filter", false, "Deinterlace (bwdif)"),
        new("overlay", "filter", false, "overlays"),
        new("libx265", "encoder", false, "HEVC encoding"),
        new("libopus", "encoder", false, "Opus audio"),
        new("h264_nvenc", "encoder", false, "NVENC on NVIDIA GPUs that have it"),
        new("h264_cuvid", "decoder", false, "NVDEC decoding"),
    ];

    /// <summary>
    /// The version of this MediaGraph.dll as the repository gave it at build time (MinVer: a tag, or the commit height
    /// after the last tag) followed by <c>+</c> and the commit it was built from, e.g.
    /// <c>0.2.0-alpha.0.48+a44cd377c0bc6bea3b1e308511f50cc7ca3e6350</c>: the assembly's informational version.
    /// </summary>
    public static string Version { get; } =
        typeof(Diagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Diagnostics).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The report, one finding per line; see <see cref="Report(out bool)"/>.</summary>
    public static string Report() => Report(out _);

    /// <summary>
    /// The report, one finding per line. <paramref name="healthy"/> is false when the native layer cannot be used or
    /// something the defaults need (libx264, aac, the H.264 decoder, the scale and yadif filters) is missing;
    /// optional features that are absent are listed but do not make the machine unhealthy. Never throws for a
    /// broken install: the problem is in the report.
    /// </summary>
    public static string Report(out bool healthy)
    {
        var lines = new List<string>
        {
            $"MediaGraph {Version} on {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}",
        };
        try
        {
            lines.Add(NativeLibraryCheck.Report());
        }
        catch (MediaGraphException e)
        {
            lines.Add($"native shim: NOT USABLE: {e.Message}");
            healthy = false;
            return string.Join(Environment.NewLine, lines);
        }
        healthy = true;
        foreach (var r in Requirements)
        {
            var problem = Find(r);
            var label = $"{r.What} {r.Name}";
            if (problem is null) lines.Add($"{label,-22} ok       ({r.Use})");
            else if (r.Required)
            {
                healthy = false;
                lines.Add($"{label,-22} MISSING  ({r.Use}): {problem}. Install an FFmpeg build that has it (Debian: apt-get install libavcodec-extra) or choose another codec in EncodeOptions");
            }
            else lines.Add($"{label,-22} absent   ({r.Use}; optional)");
        }
        lines.Add(healthy ? "everything the defaults need is here" : "some things the defaults need are missing (see MISSING above)");
        return string.Join(Environment.NewLine, lines);
    }

    private static string? Find(Requirement r)
    {
        if (r.What == "filter")
            return NativeMethods.mg_filter_find(r.Name) < 0 ? NativeStatus.LastError() : null;
        Codecs.FindCodec(r.Name, r.What == "encoder", out var problem);
        return problem;
    }
}
