namespace MediaGraph;

/// <summary>The "device" option of nodes that have a device implementation: <c>auto</c> (the default) runs the node
/// where the graph's device is (<see cref="GraphOptions.Device"/>), <c>cpu</c> keeps it on the host in any graph.</summary>
public static class DeviceOption
{
    /// <summary>The parameter declaration a node adds to its descriptor.</summary>
    public static Parameter Declaration { get; } = Parameter.Choice("device",
        "Where the node runs: auto follows the graph's device (GraphOptions.Device, --device); cpu keeps it on the host.", "auto", "auto", "cpu");
}
