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
        var detail = NativeMethods.Utf8(NativeMethods.mg_last_error()) ?? "";
        var cause = string.IsNullOrEmpty(detail) ? $"{operation}: {ErrorText(status)}" : detail;
        return new MediaGraphException(node, WithOwnReason(cause), status, position);
    }

    /// <summary>The shim's message for the last failure on this thread, with FFmpeg's reason when the failing object
    /// belongs to the running node.</summary>
    internal static string LastError()
    {
        var detail = NativeMethods.Utf8(NativeMethods.mg_last_error()) ?? "";
        return detail.Length == 0 ? detail : WithOwnReason(detail);
    }

    /// <summary>Appends FFmpeg's reason from the contexts of the node making the call (never another's: the native side
    /// ties each logged line to the context that logged it). Lines of contexts no node owns (an input being opened)
    /// are already in the shim's message.</summary>
    private static string WithOwnReason(string message) =>
        NativeLog.Current?.TakeError() is { } reason && !message.Contains(reason, StringComparison.Ordinal) ? $"{message} ({reason})" : message;

    internal static string ErrorText(int code)
    {
        byte* buf = stackalloc byte[256];
        NativeMethods.mg_error_string(code, buf, 256);
        return NativeMethods.Utf8(buf) ?? $"error {code}";
    }
}
