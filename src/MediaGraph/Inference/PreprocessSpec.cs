namespace MediaGraph;

/// <summary>The channel order a model expects.</summary>
public enum ColorOrder
{
    /// <summary>Red, green, blue.</summary>
    Rgb,
    /// <summary>Blue, green, red (models trained on OpenCV-read images, PaddleOCR's among them).</summary>
    Bgr,
}

/// <summary>How the channels of an image are laid out in the tensor.</summary>
public enum TensorLayout
{
    /// <summary>[batch, channel, height, width] (planar; ONNX exports of PyTorch and Paddle models).</summary>
    Nchw,
    /// <summary>[batch, height, width, channel] (interleaved; TensorFlow exports).</summary>
    Nhwc,
}

/// <summary>
/// How a frame becomes one image of a model's input tensor: resized to <see cref="Width"/>×<see cref="Height"/>
/// (stretched, or with <see cref="KeepAspect"/> scaled to fit and the rest filled with <see cref="PadValue"/>, the
/// image at the top-left so coordinates map back by one scale), put in <see cref="Order"/>, each channel value
/// <c>(pixel * Scale - Mean[c]) / Std[c]</c> (pixel 0..255; channel c in the model's order), laid out as
/// <see cref="Layout"/>, as 32-bit floats. Immutable; validated when made.
/// </summary>
public sealed record PreprocessSpec
{
    /// <summary>A spec; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public PreprocessSpec(int width, int height, bool keepAspect = true, ColorOrder order = ColorOrder.Rgb,
        float[]? mean = null, float[]? std = null, float scale = 1f / 255, TensorLayout layout = TensorLayout.Nchw, float padValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        mean ??= [0, 0, 0];
        std ??= [1, 1, 1];
        if (mean.Length != 3) throw new ArgumentException($"mean needs 3 values (one per channel), not {mean.Length}", nameof(mean));
        if (std.Length != 3 || std.Any(s => s == 0 || !float.IsFinite(s))) throw new ArgumentException("std needs 3 finite, non-zero values", nameof(std));
        Width = width;
        Height = height;
        KeepAspect = keepAspect;
        Order = order;
        Mean = [.. mean];
        Std = [.. std];
        Scale = scale;
        Layout = layout;
        PadValue = padValue;
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>Scale to fit and pad (true), or stretch to the size (false).</summary>
    public bool KeepAspect { get; }
    public ColorOrder Order { get; }
    /// <summary>Subtracted after <see cref="Scale"/>, per channel in the model's order.</summary>
    public IReadOnlyList<float> Mean { get; }
    /// <summary>Divides after the mean is subtracted, per channel in the model's order.</summary>
    public IReadOnlyList<float> Std { get; }
    /// <summary>Multiplies the 0..255 pixel first (1/255 by default).</summary>
    public float Scale { get; }
    public TensorLayout Layout { get; }
    /// <summary>The tensor value of the padding (after normalisation): 0 by default, as PaddleOCR pads.</summary>
    public float PadValue { get; }

    /// <summary>Floats in one image of the tensor (3 × width × height).</summary>
    public int ImageLength => 3 * Width * Height;

    /// <summary>The tensor shape for <paramref name="batch"/> images.</summary>
    public long[] Shape(int batch) => Layout == TensorLayout.Nchw ? [batch, 3, Height, Width] : [batch, Height, Width, 3];

    /// <summary>The same spec at another size (a model with a free input size).</summary>
    public PreprocessSpec WithSize(int width, int height)
        => new(width, height, KeepAspect, Order, [.. Mean], [.. Std], Scale, Layout, PadValue);

    /// <summary>Where an image of <paramref name="frameWidth"/>×<paramref name="frameHeight"/> lands in the tensor.</summary>
    public Letterbox Fit(int frameWidth, int frameHeight)
    {
        if (!KeepAspect) return new Letterbox(frameWidth, frameHeight, Width, Height, (float)Width / frameWidth, (float)Height / frameHeight);
        var s = Math.Min((float)Width / frameWidth, (float)Height / frameHeight);
        var w = Math.Clamp((int)Math.Round(frameWidth * s), 1, Width);
        var h = Math.Clamp((int)Math.Round(frameHeight * s), 1, Height);
        return new Letterbox(frameWidth, frameHeight, w, h, (float)w / frameWidth, (float)h / frameHeight);
    }

    /// <summary>PP-OCR's text detector (DB) input: BGR, ImageNet mean and std, NCHW, kept aspect at
    /// <paramref name="width"/>×<paramref name="height"/> (multiples of 32; PaddleOCR limits the long side to 960).</summary>
    public static PreprocessSpec PaddleTextDetection(int width = 960, int height = 544)
    {
        if (width % 32 != 0 || height % 32 != 0) throw new ArgumentException($"the DB detector needs sides that are multiples of 32, not {width}x{height}");
        return new(width, height, keepAspect: true, ColorOrder.Bgr, mean: [0.485f, 0.456f, 0.406f], std: [0.229f, 0.224f, 0.225f]);
    }

    /// <summary>PP-OCR's recogniser input: BGR, height 48, (x/255 − 0.5)/0.5, NCHW, width 320 (PaddleOCR widens it to
    /// the widest crop of a batch; crops narrower than that are padded right with 0).</summary>
    public static PreprocessSpec PaddleTextRecognition(int width = 320)
        => new(width, 48, keepAspect: true, ColorOrder.Bgr, mean: [0.5f, 0.5f, 0.5f], std: [0.5f, 0.5f, 0.5f]);

    /// <summary>PP-OCR's text-orientation classifier input: 3×48×192, otherwise as the recogniser.</summary>
    public static PreprocessSpec PaddleTextOrientation()
        => new(192, 48, keepAspect: true, ColorOrder.Bgr, mean: [0.5f, 0.5f, 0.5f], std: [0.5f, 0.5f, 0.5f]);
}

/// <summary>Where a frame lands in a model's input image: the frame's size, the size it was scaled to (placed at the
/// top-left), and the scale per axis. <see cref="ToFrame"/> maps model coordinates back to frame pixels.</summary>
public readonly record struct Letterbox(int FrameWidth, int FrameHeight, int ScaledWidth, int ScaledHeight, float ScaleX, float ScaleY)
{
    /// <summary>A point of the model's input image in frame pixels, clamped to the frame. Both in pixel-edge
    /// coordinates: pixel (i, j) covers [i, i + 1) × [j, j + 1).</summary>
    public PointF32 ToFrame(float x, float y)
        => new(Math.Clamp(x / ScaleX, 0, FrameWidth), Math.Clamp(y / ScaleY, 0, FrameHeight));
}
