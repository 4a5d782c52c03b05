using Xunit;

namespace MediaGraph.Tests;

/// <summary>Tests that measure time, memory or the process-wide native handle count: they run alone, after the
/// parallel ones, so other tests neither slow them down nor hold handles while they count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (timing, memory and handle counts)";
}
