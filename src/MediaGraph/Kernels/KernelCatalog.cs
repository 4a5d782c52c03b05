using System.Reflection;

namespace MediaGraph.Kernels;

/// <summary>
/// Every kernel of this folder, each generic instantiation the nodes launch included: what the PTX check compiles
/// for sm_90 and assembles with NVIDIA's ptxas (tests), and what the GPU benchmark measures. A new kernel is added here.
/// </summary>
public static class KernelCatalog
{
    /// <summary>Name and method of each kernel (implicitly grouped: the first parameter is its index).</summary>
    public static IReadOnlyList<(string Name, MethodInfo Method)> All { get; } =
    [
        ("scale_bilinear", Generic(typeof(ScaleKernels), nameof(ScaleKernels.Scale), typeof(BilinearFilter))),
        ("scale_bicubic", Generic(typeof(ScaleKernels), nameof(ScaleKernels.Scale), typeof(BicubicFilter))),
        ("scale_area", Generic(typeof(ScaleKernels), nameof(ScaleKernels.Scale), typeof(AreaFilter))),
        ("yadif", typeof(DeinterlaceKernels).GetMethod(nameof(DeinterlaceKernels.Yadif))!),
        ("remap_u8", Generic(typeof(GeometryKernels), nameof(GeometryKernels.Remap), typeof(byte))),
        ("remap_u16", Generic(typeof(GeometryKernels), nameof(GeometryKernels.Remap), typeof(ushort))),
        ("remap_rgb24", Generic(typeof(GeometryKernels), nameof(GeometryKernels.Remap), typeof(Rgb24))),
        ("remap_u32", Generic(typeof(GeometryKernels), nameof(GeometryKernels.Remap), typeof(uint))),
        ("box_blur", typeof(BlurKernels).GetMethod(nameof(BlurKernels.Box))!),
        ("gaussian_blur", typeof(BlurKernels).GetMethod(nameof(BlurKernels.Gaussian))!),
        ("tensorize", typeof(TensorizeKernels).GetMethod(nameof(TensorizeKernels.Tensorize))!),
        ("lookup", typeof(PointKernels).GetMethod(nameof(PointKernels.Lookup))!),
        ("yuv_to_rgb", typeof(ColorKernels).GetMethod(nameof(ColorKernels.YuvToRgb))!),
        ("rgb_to_luma", typeof(ColorKernels).GetMethod(nameof(ColorKernels.RgbToLuma))!),
        ("rgb_to_chroma", typeof(ColorKernels).GetMethod(nameof(ColorKernels.RgbToChroma))!),
        ("overlay_blend", typeof(OverlayKernels).GetMethod(nameof(OverlayKernels.Blend))!),
        ("draw_clear", typeof(DrawKernels).GetMethod(nameof(DrawKernels.Clear))!),
        ("draw_rect", typeof(DrawKernels).GetMethod(nameof(DrawKernels.Rect))!),
        ("draw_polygon", typeof(DrawKernels).GetMethod(nameof(DrawKernels.Polygon))!),
        ("draw_glyphs", typeof(DrawKernels).GetMethod(nameof(DrawKernels.Glyphs))!),
        ("draw_blend_luma", typeof(DrawKernels).GetMethod(nameof(DrawKernels.BlendLuma))!),
        ("draw_blend_chroma", typeof(DrawKernels).GetMethod(nameof(DrawKernels.BlendChroma))!),
    ];

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050",
        Justification = "The catalog is read where ILGPU compiles kernels (tests, the GPU benchmark), which needs dynamic code anyway.")]
    private static MethodInfo Generic(Type type, string name, Type argument)
        => type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(argument);
}
