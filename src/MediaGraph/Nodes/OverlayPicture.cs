using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>One overlay frame made ready to blend: planar YUV with alpha, subsampled like the main picture, scaled
/// to the node's size, with the opacity applied to its alpha; and, when the main picture lives on a device, its copy
/// there (uploaded once, however many main frames show it). Owned by the overlay node's run.</summary>
internal sealed class OverlayPicture : IDisposable
{
    public OverlayPicture(VideoFrame host) => Host = host;

    /// <summary>The prepared picture in host memory (yuva420p, yuva422p or yuva444p).</summary>
    public VideoFrame Host { get; }

    /// <summary>The device copy, once a device frame needed it.</summary>
    public VideoFrame? OnDevice { get; private set; }

    /// <summary>The device copy on <paramref name="device"/>, uploading it the first time (bytes counted on
    /// <paramref name="metrics"/>).</summary>
    public VideoFrame DeviceCopy(ComputeDevice device, VideoFrame shell, NodeMetrics metrics, ref byte[] staging)
    {
        if (OnDevice is { } made && ReferenceEquals(made.Device, device))
        {
            shell.Dispose();
            return made;
        }
        OnDevice?.Dispose();
        OnDevice = null;
        try
        {
            device.Frames.Fill(shell, Host.Format, Host.Width, Host.Height, Host);
            metrics.CountUpload(MediaGraph.DeviceCopy.ToDevice(Host, shell, ref staging));
        }
        catch
        {
            shell.Dispose();
            throw;
        }
        return OnDevice = shell;
    }

    public void Dispose()
    {
        Host.Dispose();
        OnDevice?.Dispose();
        OnDevice = null;
    }
}

/// <summary>Turns overlay frames into <see cref="OverlayPicture"/>s: a libavfilter graph (scale to the node's size,
/// then format=yuva*, swscale's default bicubic and BT.601 as libavfilter overlay's own conversion), rebuilt when
/// the overlay's format changes; then alpha × opacity (rounded half to even, as colorchannelmixer's lrint).</summary>
internal sealed class OverlayPreparer(OverlayNode node, string nodeName) : IDisposable
{
    private FilterGraph? _graph;
    private StreamInfo _format;
    private string _target = "";
    private byte[]? _opacity;
    private byte[] _staging = [];

    /// <summary>The pixel format overlays are prepared in for a main picture of <paramref name="main"/> (null: not supported).</summary>
    public static string? PreparedFormat(PixelFormat main) => main.Name switch
    {
        "yuv420p" or "yuvj420p" or "nv12" => "yuva420p",
        "yuv422p" or "yuvj422p" => "yuva422p",
        "yuv444p" or "yuvj444p" => "yuva444p",
        _ => null,
    };

    /// <summary>Prepares <paramref name="frame"/> (which stays the caller's) for a main picture of <paramref name="main"/>.</summary>
    public OverlayPicture Prepare(VideoFrame frame, PixelFormat main, Func<VideoFrame> rent, NodeMetrics metrics)
    {
        var source = frame;
        VideoFrame? downloaded = null;
        try
        {
            if (frame.Location != FrameLocation.Host)
            {
                if (frame.Device is null) throw new MediaGraphException(nodeName, $"overlay: the overlay picture lives in {frame.Location} memory that is not this run's device; download it first");
                downloaded = rent();
                DeviceCopy.AllocateHostLike(downloaded, frame);
                metrics.CountDownload(DeviceCopy.ToHost(frame, downloaded, ref _staging));
                source = downloaded;
            }
            var target = PreparedFormat(main)!;
            var full = main.Name.StartsWith("yuvj", StringComparison.Ordinal);
            var format = FilterGraphInstance.Describe(source);
            if (_graph is null || target != _target || !Same(format, _format))
            {
                _graph?.Dispose();
                _graph = null;
                var scale = node.Width != 0 || node.Height != 0 || full
                    ? $"scale=w={(node.Width == 0 ? "iw" : node.Width)}:h={(node.Height == 0 ? "ih" : node.Height)}{(full ? ":out_range=full" : "")},"
                    : "";
                var graph = new FilterGraph($"{scale}format={target}", 1, nodeName);
                try
                {
                    graph.SetInput(0, format);
                    graph.Configure();
                }
                catch
                {
                    graph.Dispose();
                    throw;
                }
                _graph = graph;
                _format = format;
                _target = target;
            }
            source.SyncTiming();
            _graph.Push(0, source.Native);
            var result = rent();
            if (_graph.Pull(0, result.Native) != NativeMethods.Ok)
            {
                result.Dispose();
                throw new MediaGraphException(nodeName, $"overlay: converting the overlay picture ({source}) to {target} gave no frame");
            }
            result.Refresh(source.TimeBase);
            ApplyOpacity(result);
            return new OverlayPicture(result);
        }
        finally
        {
            downloaded?.Dispose();
        }
    }

    private void ApplyOpacity(VideoFrame picture)
    {
        if (node.Opacity >= 1) return;
        if (_opacity is null)
        {
            _opacity = new byte[256];
            for (var i = 0; i < 256; i++) _opacity[i] = (byte)Math.Clamp(Math.Round(i * node.Opacity, MidpointRounding.ToEven), 0, 255);
        }
        picture.MakeWritable();
        var p = picture.GetPlane(3);
        var alpha = picture.GetPlaneSpan(3);
        for (var row = 0; row < p.Rows; row++)
            foreach (ref var a in alpha.Slice(row * p.Pitch, p.RowBytes)) a = _opacity[a];
    }

    private static bool Same(in StreamInfo a, in StreamInfo b) => a.Width == b.Width && a.Height == b.Height && a.PixFmt == b.PixFmt;

    public void Dispose()
    {
        _graph?.Dispose();
        _graph = null;
    }
}
