namespace MediaGraph.Interop;

/// <summary>A libavfilter graph (mg_filter_graph): open pads become inputs and outputs, in order.</summary>
internal sealed class FilterGraph : IDisposable
{
    private readonly FilterGraphHandle _handle;
    private readonly string? _node;

    public FilterGraph(string description, int threads, string? node)
    {
        NativeLibraryCheck.EnsureLoaded();
        _node = node;
        Description = description;
        _handle = Handles.Open<FilterGraphHandle>((out nint p) => NativeMethods.mg_filter_graph_create(description, threads, out p), "parsing the filter graph", node);
    }

    public string Description { get; }
    public int InputCount => NativeMethods.mg_filter_graph_input_count(_handle.Ptr);
    public int OutputCount => NativeMethods.mg_filter_graph_output_count(_handle.Ptr);
    public MediaKind InputKind(int i) => Kind(NativeMethods.mg_filter_graph_input_type(_handle.Ptr, i));
    public MediaKind OutputKind(int i) => Kind(NativeMethods.mg_filter_graph_output_type(_handle.Ptr, i));

    /// <summary>The names of the graph's filters, in the description's order (before configure: its own filters only).</summary>
    public IReadOnlyList<string> FilterNames()
    {
        var names = new List<string>();
        for (var i = 0; NativeMethods.mg_filter_graph_filter_name(_handle.Ptr, i) is var p && p != 0; i++)
            names.Add(System.Runtime.InteropServices.Marshal.PtrToStringUTF8(p)!);
        return names;
    }

    /// <summary>Makes the graph's video inputs CUDA frames on <paramref name="cuda"/>'s device (FFmpeg's CUDA filters
    /// take them; device frames are presented without a copy) and gives every filter the device. Before <see cref="Configure"/>.</summary>
    public void SetCuda(CudaDriver cuda)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_filter_graph_set_cuda(_handle.Ptr, cuda.Ptr), $"putting '{Description}' on the CUDA device", _node);

    private static MediaKind Kind(int mediaType) => mediaType switch { 0 => MediaKind.Video, 1 => MediaKind.Audio, _ => MediaKind.Other };

    public void SetInput(int index, in StreamInfo info)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_filter_graph_set_input(_handle.Ptr, index, in info), $"describing input {index} of '{Description}'", _node);

    public void Configure() => NativeStatus.ThrowIfFailed(NativeMethods.mg_filter_graph_configure(_handle.Ptr), $"configuring '{Description}'", _node);

    public StreamInfo OutputInfo(int index)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_filter_graph_output_info(_handle.Ptr, index, out var info), $"reading output {index} of '{Description}'", _node);
        return info;
    }

    /// <summary>Pushes a frame (0 = end of that input); the caller keeps its reference.</summary>
    public void Push(int index, nint frame)
    {
        var status = NativeMethods.mg_filter_graph_push(_handle.Ptr, index, frame);
        if (status < 0) throw NativeStatus.Create(status, $"filtering '{Description}'", _node); // built only on failure
    }

    /// <summary>MG_OK with a frame, MG_AGAIN or MG_EOF.</summary>
    public int Pull(int index, nint frame)
    {
        var status = NativeMethods.mg_filter_graph_pull(_handle.Ptr, index, frame);
        if (status < 0) throw NativeStatus.Create(status, $"filtering '{Description}'", _node);
        return status;
    }

    /// <summary>True when the graph is starving for input <paramref name="index"/> (configured graphs only).</summary>
    public bool WantsInput(int index) => NativeMethods.mg_filter_graph_wants_input(_handle.Ptr, index) != 0;

    public void Dispose() => _handle.Dispose();
}
