namespace MediaGraph;

/// <summary>Scaling algorithms of swscale: vocabulary shared by the scale node (its CPU twin, swscale) and the device
/// scale kernels, so it sits beside <see cref="Rational"/> rather than in the graph builder.</summary>
public enum ScaleAlgorithm
{
    Bilinear,
    Bicubic,
    Area,
    Lanczos,
    Neighbor,
    FastBilinear,
}
