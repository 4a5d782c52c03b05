using System.Globalization;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// How an input from a stranger is opened safely (<see cref="DecodeOptions"/>): its scheme and every nested one must
/// be on the protocol whitelist (checked here for a message naming the scheme, and given to FFmpeg as
/// <c>protocol_whitelist</c> so whatever FFmpeg opens on the input's behalf is checked too); an input never listens
/// for connections unless allowed; a network input gets open and read deadlines.
/// </summary>
internal static partial class InputPolicy
{
    /// <summary>Opens <paramref name="url"/> under <paramref name="options"/>' policy, or throws naming the refusal.</summary>
    public static Demuxer Open(string url, DecodeOptions options, string? node, CancellationToken cancellationToken = default)
    {
        if (Problem(url, options) is { } problem) throw new MediaGraphException(node, problem, NativeStatus.NotPermitted);
        var network = IsNetwork(url);
        return Demuxer.Open(url, options.Format, OptionsString(options),
            network ? Microseconds(options.OpenTimeout) : 0, network ? Microseconds(options.ReadTimeout) : 0, node, cancellationToken);
    }

    /// <summary>Why the policy refuses <paramref name="url"/>, or null.</summary>
    public static string? Problem(string url, DecodeOptions options)
    {
        var allowed = Allowed(options);
        foreach (var scheme in Schemes(url))
        {
            if (allowed.Contains(scheme, StringComparer.OrdinalIgnoreCase)) continue;
            var widen = DecodeOptions.NetworkProtocols.Contains(scheme) && options.Protocols is null
                ? "set DecodeOptions.AllowNetwork (CLI: --allow-network) or list it in DecodeOptions.Protocols (--protocols)"
                : "list it in DecodeOptions.Protocols (CLI: --protocols)";
            return $"input '{url}': protocol '{scheme}' is not allowed (allowed: {string.Join(",", allowed)}); to open it, {widen}";
        }
        if (!options.AllowListen && AsksToListen(url, options))
            return $"input '{url}' asks to listen for incoming connections; an input opens no server socket unless DecodeOptions.AllowListen (CLI: --allow-listen) is set";
        return null;
    }

    /// <summary>The whitelist in force: <see cref="DecodeOptions.Protocols"/>, else the local set (plus the network
    /// set with <see cref="DecodeOptions.AllowNetwork"/>).</summary>
    public static IReadOnlyList<string> Allowed(DecodeOptions options) => options.Protocols
        ?? (options.AllowNetwork ? [.. DecodeOptions.LocalProtocols, .. DecodeOptions.NetworkProtocols] : DecodeOptions.LocalProtocols);

    /// <summary>The protocols FFmpeg opens for <paramref name="url"/> first: "pipe" for "-", "file" for a path,
    /// "subfile" for FFmpeg's "subfile,,start,…,end,…,,:path" form, else each part of the scheme ("crypto+http" is
    /// crypto over http).</summary>
    public static IEnumerable<string> Schemes(string url)
    {
        if (url == "-") return ["pipe"];
        if (url.StartsWith("subfile,", StringComparison.Ordinal) && url.IndexOf(':', 8) > 0) return ["subfile"];
        var m = SchemePrefix().Match(url);
        return m.Success ? m.Groups[1].Value.ToLowerInvariant().Split('+', StringSplitOptions.RemoveEmptyEntries) : ["file"];
    }

    /// <summary>True when the input reaches beyond local files and pipes (it gets the open and read timeouts).</summary>
    public static bool IsNetwork(string url) => Schemes(url).Any(s => !DecodeOptions.LocalProtocols.Contains(s));

    /// <summary>listen=1 in the URL's query or the options (tcp, http, rtmp), or rtsp_flags=listen.</summary>
    private static bool AsksToListen(string url, DecodeOptions options)
    {
        var query = url.IndexOf('?');
        if (query >= 0)
            foreach (var part in url[(query + 1)..].Split('&'))
            {
                var eq = part.IndexOf('=');
                var key = eq < 0 ? part : part[..eq];
                if (key.Equals("listen", StringComparison.OrdinalIgnoreCase) && (eq < 0 || part[(eq + 1)..] != "0")) return true;
            }
        if (options.FormatOptions is { } o)
        {
            if (o.TryGetValue("listen", out var listen) && listen != "0") return true;
            if (o.TryGetValue("rtsp_flags", out var flags) && flags.Contains("listen", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The user's demuxer/protocol options plus the whitelist (unless the user set protocol_whitelist).</summary>
    private static string? OptionsString(DecodeOptions options)
    {
        var all = options.FormatOptions?.ToDictionary() ?? new Dictionary<string, string>();
        all.TryAdd("protocol_whitelist", string.Join(",", Allowed(options)));
        return OptionString.Of(all);
    }

    private static long Microseconds(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (long)(t.TotalMilliseconds * 1000);

    [System.Text.RegularExpressions.GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]+):")]
    private static partial System.Text.RegularExpressions.Regex SchemePrefix();
}
