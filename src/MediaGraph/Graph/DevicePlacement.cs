namespace MediaGraph;

/// <summary>
/// Decides, when a run starts, which nodes run on the run's device and where frames cross between host and device:
/// a node with a device implementation (<see cref="TransformNode.HasDeviceImplementation"/>, a <see cref="KernelNode"/>
/// with OnDevice) runs on the device unless its "device" option says cpu; an <see cref="UploadNode"/> is inserted on each edge from a host producer into such a
/// node, a <see cref="DownloadNode"/> on each edge from a device node into a host consumer (one per producer output,
/// shared by its consumers). The blueprint is not changed: the inserted nodes are run-only, and the consumers read
/// them through an input remap. <see cref="Graph.ToDot"/> draws the same placement.
/// </summary>
internal static class DevicePlacement
{
    /// <summary>The nodes of <paramref name="ordered"/> that run on a device (empty on the CPU).</summary>
    public static HashSet<Node> DeviceNodes(IReadOnlyList<Node> ordered, bool device)
        => device ? ordered.Where(n => n.RunsOnDevice).ToHashSet() : [];

    /// <summary>Inserts uploads and downloads into <paramref name="nodes"/> (a run's list, fused chains included;
    /// <paramref name="remap"/> maps blueprint outputs to what stands for them).</summary>
    public static (List<Node> Nodes, Dictionary<InputPort, OutputPort> InputRemap) Apply(
        IReadOnlyList<Node> nodes, HashSet<Node> onDevice, IReadOnlyDictionary<OutputPort, OutputPort>? remap, bool hasDevice = false)
    {
        var result = new List<Node>(nodes);
        var inputRemap = new Dictionary<InputPort, OutputPort>();
        // A decoder asking for NVDEC, or an NVENC encoder fed from the device, matter only when the run has a device.
        bool HardwareDecode(Node n) => hasDevice && n is DecodeNode { AsksForHardware: true };
        bool DeviceEncode(Node n) => hasDevice && n is EncodeNode { NvencOnDevice: true };
        if (onDevice.Count == 0 && !nodes.Any(n => n is UploadNode || HardwareDecode(n))) return (result, inputRemap);
        var names = new HashSet<string>(nodes.Select(n => n.Name));
        var uploads = new Dictionary<OutputPort, UploadNode>();
        var downloads = new Dictionary<OutputPort, DownloadNode>();

        bool ProducesDevice(Node n) => onDevice.Contains(n) || n is UploadNode;
        foreach (var node in nodes)
        {
            if (node is UploadNode or DownloadNode) continue; // written by the user: they take either
            if (node.TakesFramesWhereTheyLive) continue;      // an app sink that takes device frames as they are
            var wantsDevice = onDevice.Contains(node) || DeviceEncode(node);
            foreach (var input in node.Inputs)
            {
                if (input.Kind != MediaKind.Video || input.Source is not { } source) continue;
                var producer = (remap?.GetValueOrDefault(source, source) ?? source).Node;
                var fromDevice = ProducesDevice(producer);
                var deviceInput = wantsDevice && !node.TakesHostFrames(input.Index);
                // A decoder asking for NVDEC makes device frames, or host frames when it falls back to software: both
                // sides get their node, which passes the other kind through (an upload of a device frame moves nothing).
                if (HardwareDecode(producer)) fromDevice = !deviceInput;
                if (deviceInput == fromDevice) continue;
                Node inserted = deviceInput
                    ? Get(uploads, source, () => new UploadNode())
                    : Get(downloads, source, () => new DownloadNode());
                inputRemap[input] = inserted.Outputs[0];
            }
        }

        // Run-only nodes go right after their producer (the list stays topological).
        foreach (var (source, node) in uploads.Select(kv => (kv.Key, (Node)kv.Value)).Concat(downloads.Select(kv => (kv.Key, (Node)kv.Value))))
        {
            var producer = (remap?.GetValueOrDefault(source, source) ?? source).Node;
            result.Insert(result.IndexOf(producer) + 1, node);
        }
        return (result, inputRemap);

        T Get<T>(Dictionary<OutputPort, T> made, OutputPort source, Func<T> create) where T : TransformNode
        {
            if (made.TryGetValue(source, out var existing)) return existing;
            var node = create();
            node.Rename(Unique($"{node.Kind}({source.Node.Name})"));
            node.Inputs[0].Source = source;
            made[source] = node;
            return node;
        }

        string Unique(string name)
        {
            var candidate = name;
            for (var i = 1; !names.Add(candidate); i++) candidate = $"{name}#{i}";
            return candidate;
        }
    }
}
