namespace MediaGraph.Interop;

/// <summary>The one place where shim status codes become exceptions.</summary>
internal static unsafe class NativeStatus
{
    /// <summary>AVERROR_INVALIDDATA: damaged input that a decoder can skip.</summary>
    internal const int InvalidData = -1094995529;
    /// <summary>AVERROR_EXIT: a blocking call was interrupted.</summary>
    internal const int Exit = -1414092869;
    /// <summary>AVERROR(ENOENT).</summary>
    internal const int NotFound = -2;
    /// <summary>AVERROR(EPERM): refused by a policy (a protocol outside the whitelist, a listening socket).</summary>
    internal const int NotPermitted = -1;
    /// <summary>AVERROR(ETIMEDOUT): an open or read deadline passed.</summary>
    internal const int TimedOut = -110;

    /// <summary>Throws <see cref="MediaGraphException"/> for a negative status; returns MG_OK / MG_EOF / MG_AGAIN unchanged.</summary>
    internal static int ThrowIfFailed(int status, string operation, string? node = null, string? position = null)
    {
        if (status >= 0) return status;
        throw Create(status, operation, node, position);
    }

    internal static MediaGraphException Create(int status, string operation, string? node = null, string? position = null)
    {
        // The shim's message already names what failed ("cannot open 'x.mp4': No such file or directory"); the
        // operation is only needed when the shim had nothing to say.
        var detail = LastError();
        var cause = string.IsNullOrEmpty(detail) ? $"{operation}: {ErrorText(status)}" : detail;
        return new MediaGraphException(node, cause, status, position);
    }

    internal static string LastError() => NativeMethods.Utf8(NativeMethods.mg_last_error()) ?? "";

    internal static string ErrorText(int code)
    {
        byte* buf = stackalloc byte[256];
        NativeMethods.mg_error_string(code, buf, 256);
        return NativeMethods.Utf8(buf) ?? $"error {code}";
    }
}
