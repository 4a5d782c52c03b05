using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MediaGraph.Interop;

namespace MediaGraph.Brokers;

/// <summary>
/// The byte form of what MediaGraph puts on a broker (NATS JetStream, Kafka): chunks of compressed packets with the
/// codec parameters to decode them, per-frame results, and end-of-stream marks. Every message starts with the magic
/// <c>MGW</c> and a version byte, so a message that is not ours, or from a newer writer, is told apart from a damaged
/// one; every length is checked, so a truncated message fails with <see cref="WireFormatException"/>, never a crash.
/// </summary>
/// <remarks>
/// Layout (little-endian): "MGW" · version (1) · kind (<see cref="WireKind"/>) · stream id (u16 length + UTF-8) ·
/// sequence (i64) · origin time (i64, Unix µs), then per kind —
/// chunk: codec parameters (i32 length + FFmpeg's parameters by codec name, extradata included, with the time base
/// and frame rate) · packet count (i32) · per packet: pts, dts, duration (i64) · flags (u8, 1 = key) · data (i32
/// length + bytes);
/// results: time base (i32 num, i32 den) · frame count (i32) · per frame: pts, duration (i64) · metadata (i32 length +
/// UTF-8 JSON array of {"type", "value"}, 0 when none) · worker (u16 length + UTF-8) · work time (f64 ms) · error
/// (i32 length + UTF-8, 0 when none);
/// end: nothing more;
/// segment: sidecar (i32 length + UTF-8 JSON) · part, parts (i32) · total bytes (i64) · SHA-256 of the whole segment
/// (32 bytes) · data (i32 length + bytes).
/// Metadata values are written with System.Text.Json under their type's full name; a reader turns back into objects
/// only the types it registered (<see cref="RegisterMetadata{T}"/>) — input from a broker is untrusted — and keeps the
/// others as <see cref="WireMetadata"/>.
/// </remarks>
public static class MediaWire
{
    /// <summary>The version this build writes and reads.</summary>
    public const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "MGW"u8;
    private static readonly ConcurrentDictionary<string, JsonTypeInfo?> Registered = new();
    private static readonly ConcurrentDictionary<Type, JsonTypeInfo?> Writers = new();

    /// <summary>Lets <see cref="Decode"/> turn metadata of type <typeparamref name="T"/> back into a
    /// <typeparamref name="T"/> (by its full type name); unregistered types come back as <see cref="WireMetadata"/>.
    /// Give <paramref name="typeInfo"/> (from a <c>JsonSerializerContext</c>) where reflection-based serialization is
    /// off (trimmed and native AOT apps, file-based C# apps): without it, such an app writes no value of a type it
    /// did not register, and reads registered types with reflection.</summary>
    public static void RegisterMetadata<T>(JsonTypeInfo<T>? typeInfo = null) where T : class
    {
        Registered[typeof(T).FullName!] = typeInfo;
        Writers[typeof(T)] = typeInfo;
    }

    /// <summary>A chunk of <paramref name="packets"/> (one stream, first a key frame for a decodable chunk).</summary>
    public static byte[] EncodeChunk(string streamId, long sequence, IReadOnlyList<Packet> packets, long originMicros = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentNullException.ThrowIfNull(packets);
        if (packets.Count == 0) throw new ArgumentException("a chunk needs at least one packet", nameof(packets));
        var w = new ArrayBufferWriter<byte>(packets.Sum(p => p.Size + 40) + 512);
        Header(w, WireKind.Chunk, streamId, sequence, originMicros);
        var parameters = CodecParametersToWire(packets[0].Parameters);
        I32(w, parameters.Length);
        w.Write(parameters);
        I32(w, packets.Count);
        foreach (var p in packets)
        {
            I64(w, p.Pts);
            I64(w, p.Dts);
            I64(w, p.Duration);
            w.Write([(byte)(p.IsKeyFrame ? 1 : 0)]);
            I32(w, p.Size);
            w.Write(p.Data);
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The results of a chunk: each frame's timing and metadata, who made them, how long it took.</summary>
    public static byte[] EncodeResults(ResultsMessage results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var (streamId, sequence, timeBase, frames) = results;
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        var w = new ArrayBufferWriter<byte>(256 + frames.Count * 64);
        Header(w, WireKind.Results, streamId, sequence, results.OriginMicros);
        I32(w, timeBase.Num);
        I32(w, timeBase.Den);
        I32(w, frames.Count);
        foreach (var f in frames)
        {
            I64(w, f.Pts);
            I64(w, f.Duration);
            var json = MetadataToJson(f.Metadata);
            I32(w, json.Length);
            w.Write(json);
        }
        Text16(w, results.Worker);
        BinaryPrimitives.WriteDoubleLittleEndian(w.GetSpan(8), results.WorkMilliseconds);
        w.Advance(8);
        var error = results.Error is null ? [] : Encoding.UTF8.GetBytes(results.Error);
        I32(w, error.Length);
        w.Write(error);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The end of stream <paramref name="streamId"/>, after <paramref name="chunkCount"/> chunks.</summary>
    public static byte[] EncodeEnd(string streamId, long chunkCount, long originMicros = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        var w = new ArrayBufferWriter<byte>(64);
        Header(w, WireKind.End, streamId, chunkCount, originMicros);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The bytes a segment message adds to its part's data (<see cref="EncodeSegmentParts"/>): a part of
    /// <c>maxMessageBytes - SegmentOverhead(...)</c> bytes makes a message of at most <c>maxMessageBytes</c>.</summary>
    public static int SegmentOverhead(string streamId, int sidecarBytes) =>
        3 + 2 + 2 + Encoding.UTF8.GetByteCount(streamId) + 8 + 8 + 4 + sidecarBytes + 4 + 4 + 8 + 32 + 4;

    /// <summary>A muxed segment (a playable chunk file) and its JSON sidecar as one message, or as numbered parts of at
    /// most <paramref name="maxMessageBytes"/> each when it does not fit one (a broker's largest message: NATS'
    /// max_payload, Kafka's message.max.bytes). Publish the parts in order with one key; <see cref="SegmentReader"/>
    /// reassembles them and checks the size and the SHA-256.</summary>
    public static List<byte[]> EncodeSegmentParts(string streamId, long sequence, ReadOnlySpan<byte> sidecarJson, ReadOnlySpan<byte> segment,
        int maxMessageBytes, long originMicros = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var overhead = SegmentOverhead(streamId, sidecarJson.Length);
        var partSize = maxMessageBytes - overhead;
        if (partSize < 1024)
            throw new ArgumentOutOfRangeException(nameof(maxMessageBytes), $"a broker message of {maxMessageBytes} bytes leaves no room for a segment's data after its {overhead}-byte header and sidecar");
        var parts = Math.Max(1, (int)((segment.Length + (long)partSize - 1) / partSize));
        Span<byte> sha = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(segment, sha);
        var messages = new List<byte[]>(parts);
        for (var part = 0; part < parts; part++)
        {
            var data = segment.Slice(part * partSize, Math.Min(partSize, segment.Length - part * partSize));
            var w = new ArrayBufferWriter<byte>(overhead + data.Length);
            Header(w, WireKind.Segment, streamId, sequence, originMicros);
            I32(w, sidecarJson.Length);
            w.Write(sidecarJson);
            I32(w, part);
            I32(w, parts);
            I64(w, segment.Length);
            w.Write(sha);
            I32(w, data.Length);
            w.Write(data);
            messages.Add(w.WrittenSpan.ToArray());
        }
        return messages;
    }

    /// <summary>Now as Unix time in microseconds (the <see cref="WireMessage.OriginMicros"/> clock).</summary>
    public static long NowMicros() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;

    /// <summary>True when <paramref name="data"/> starts like a MediaGraph message (magic and version), whatever follows.</summary>
    public static bool IsOurs(ReadOnlySpan<byte> data) => data.Length >= 5 && data[..3].SequenceEqual(Magic) && data[3] == Version;

    /// <summary>Reads a message; throws <see cref="WireFormatException"/> saying why for a message that is not ours,
    /// from another version, or truncated.</summary>
    public static WireMessage Decode(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < 4 || !span[..3].SequenceEqual(Magic))
            throw new WireFormatException($"not a MediaGraph message ({span.Length} bytes, starting {Convert.ToHexString(span[..Math.Min(8, span.Length)])})");
        if (span[3] != Version)
            throw new WireFormatException($"a MediaGraph message of wire version {span[3]}; this build reads version {Version}");
        var r = new Reader(data);
        r.Skip(4);
        var kind = (WireKind)r.U8();
        var idLength = r.U16();
        var streamId = Encoding.UTF8.GetString(r.Bytes(idLength).Span);
        var sequence = r.I64();
        var origin = r.I64();
        if (sequence < 0) throw new WireFormatException($"a negative sequence number {sequence}");
        WireMessage message = kind switch
        {
            WireKind.Chunk => ReadChunk(ref r, streamId, sequence) with { OriginMicros = origin },
            WireKind.Results => ReadResults(ref r, streamId, sequence) with { OriginMicros = origin },
            WireKind.End => new EndMessage(streamId, sequence) { OriginMicros = origin },
            WireKind.Segment => ReadSegmentPart(ref r, streamId, sequence) with { OriginMicros = origin },
            _ => throw new WireFormatException($"unknown message kind {(byte)kind}"),
        };
        if (r.Remaining != 0) throw new WireFormatException($"{r.Remaining} bytes after the end of a {kind} message");
        return message;
    }

    /// <summary>Makes the <see cref="StreamParameters"/> the codec form of a chunk describes (the caller owns it and
    /// disposes it after the packets that carry it).</summary>
    public static unsafe StreamParameters CodecParametersFromWire(ReadOnlySpan<byte> form)
    {
        NativeLibraryCheck.EnsureLoaded();
        nint handle;
        int status;
        fixed (byte* p = form) status = NativeMethods.mg_codecpar_from_wire(p, form.Length, out handle);
        if (status < 0) throw new WireFormatException($"codec parameters: {NativeStatus.LastError()}");
        var h = new CodecParHandle();
        System.Runtime.InteropServices.Marshal.InitHandle(h, handle);
        NativeStatus.ThrowIfFailed(NativeMethods.mg_codecpar_info(handle, out var info), "describing received codec parameters");
        return new StreamParameters(h, StreamDescription.From(in info));
    }

    /// <summary>The codec form of <paramref name="parameters"/> (codec by name, extradata, time base, frame rate).</summary>
    public static unsafe byte[] CodecParametersToWire(StreamParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // A packet holds its parameters, so they outlive the run that made them while the packet is referenced.
        if (!parameters.TryAddReference())
            throw new ObjectDisposedException(nameof(StreamParameters), $"The parameters of the {parameters.CodecName} stream were freed: no packet carries them any more.");
        try
        {
            var handle = parameters.Handle.DangerousGetHandle();
            NativeStatus.ThrowIfFailed(NativeMethods.mg_codecpar_to_wire(handle, null, 0, out var size), "measuring codec parameters");
            var bytes = new byte[size];
            fixed (byte* p = bytes) NativeStatus.ThrowIfFailed(NativeMethods.mg_codecpar_to_wire(handle, p, size, out _), "writing codec parameters");
            return bytes;
        }
        finally { parameters.ReleaseReference(); }
    }

    private static ChunkMessage ReadChunk(ref Reader r, string streamId, long sequence)
    {
        var parameters = r.Bytes(r.Length());
        var count = r.Count(29);
        var packets = new WirePacket[count];
        for (var i = 0; i < count; i++)
        {
            var pts = r.I64();
            var dts = r.I64();
            var duration = r.I64();
            var key = (r.U8() & 1) != 0;
            packets[i] = new WirePacket(pts, dts, duration, key, r.Bytes(r.Length()));
        }
        return new ChunkMessage(streamId, sequence, parameters, TimeBaseOf(parameters.Span), packets);
    }

    private static SegmentPartMessage ReadSegmentPart(ref Reader r, string streamId, long sequence)
    {
        var sidecar = r.Bytes(r.Length());
        var part = r.I32();
        var parts = r.I32();
        var total = r.I64();
        var sha = r.Bytes(32);
        var data = r.Bytes(r.Length());
        if (parts < 1 || part < 0 || part >= parts) throw new WireFormatException($"segment part {part} of {parts}");
        if (total < 0 || data.Length > total) throw new WireFormatException($"a segment part of {data.Length} bytes in a segment of {total}");
        return new SegmentPartMessage(streamId, sequence, sidecar, part, parts, total, sha, data);
    }

    private static ResultsMessage ReadResults(ref Reader r, string streamId, long sequence)
    {
        var timeBase = new Rational(r.I32(), r.I32());
        if (timeBase.Num <= 0 || timeBase.Den <= 0) throw new WireFormatException($"results with an invalid time base {timeBase}");
        var count = r.Count(20);
        var frames = new FrameResult[count];
        for (var i = 0; i < count; i++)
        {
            var pts = r.I64();
            var duration = r.I64();
            frames[i] = new FrameResult(pts, duration, MetadataFromJson(r.Bytes(r.Length()).Span));
        }
        var worker = Encoding.UTF8.GetString(r.Bytes(r.U16()).Span);
        var workMs = BitConverter.Int64BitsToDouble(r.I64());
        var errorLength = r.Length();
        var error = errorLength == 0 ? null : Encoding.UTF8.GetString(r.Bytes(errorLength).Span);
        return new ResultsMessage(streamId, sequence, timeBase, frames) { Worker = worker, WorkMilliseconds = workMs, Error = error };
    }

    /// <summary>The time base inside a codec form (after the version, the codec name and the fixed fields), checked for length only;
    /// the native reader checks the rest when the parameters are opened.</summary>
    private static Rational TimeBaseOf(ReadOnlySpan<byte> form)
    {
        if (form.Length < 5) throw new WireFormatException($"codec parameters of {form.Length} bytes");
        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(form[1..]);
        var at = 5 + nameLength + 4 * 3 + 8 + 4 * 17 + 8 + 4 * 5; // see native/wire.c: the fields before time_base
        if (nameLength <= 0 || at + 8 > form.Length) throw new WireFormatException($"codec parameters truncated ({form.Length} bytes)");
        return new Rational(BinaryPrimitives.ReadInt32LittleEndian(form[at..]), BinaryPrimitives.ReadInt32LittleEndian(form[(at + 4)..]));
    }

    private static byte[] MetadataToJson(IReadOnlyList<object> values)
    {
        if (values.Count == 0) return [];
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            foreach (var value in values)
            {
                if (value is WireMetadata foreign)
                {
                    json.WriteStartObject();
                    json.WriteString("type", foreign.Type);
                    json.WritePropertyName("value");
                    json.WriteRawValue(foreign.Json);
                    json.WriteEndObject();
                }
                else
                {
                    var type = value.GetType();
                    if (ValueToJson(value, type) is not { } written) continue; // a value JSON cannot carry (a native handle, a cycle)
                    json.WriteStartObject();
                    json.WriteString("type", type.FullName);
                    json.WritePropertyName("value");
                    json.WriteRawValue(written, skipInputValidation: true);
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
        }
        return stream.ToArray();
    }

    private static IReadOnlyList<object> MetadataFromJson(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return [];
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            var values = new List<object>();
            foreach (var entry in doc.RootElement.EnumerateArray())
            {
                var type = entry.GetProperty("type").GetString() ?? throw new WireFormatException("a metadata value without a type");
                var value = entry.GetProperty("value");
                values.Add(Registered.TryGetValue(type, out var info) && ReadRegistered(value, type, info) is { } typed
                    ? typed
                    : new WireMetadata(type, value.GetRawText()));
            }
            return values;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new WireFormatException($"frame metadata is not valid: {e.Message}");
        }
    }

    /// <summary>The JSON of one metadata value, or null when it cannot be written here: its type was not registered
    /// with a type info and reflection-based serialization is off, or System.Text.Json cannot serialize it.</summary>
    private static byte[]? ValueToJson(object value, Type type)
    {
        Writers.TryGetValue(type, out var info);
        if (info is null && !JsonSerializer.IsReflectionEnabledByDefault) return null;
        try
        {
#pragma warning disable IL2026, IL3050 // reflection only where it is enabled; registered type infos otherwise
            return info is not null ? JsonSerializer.SerializeToUtf8Bytes(value, info) : JsonSerializer.SerializeToUtf8Bytes(value, type);
#pragma warning restore IL2026, IL3050
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A registered type's value: through its type info, or reflection where that is enabled; null when
    /// neither is possible here.</summary>
    private static object? ReadRegistered(JsonElement value, string typeName, JsonTypeInfo? info)
    {
        if (info is not null) return value.Deserialize(info) ?? throw new WireFormatException($"metadata of type {typeName} is null");
        if (!JsonSerializer.IsReflectionEnabledByDefault) return null;
        var type = Writers.Keys.FirstOrDefault(t => t.FullName == typeName);
#pragma warning disable IL2026, IL3050 // reflection only where it is enabled
        return type is null ? null : value.Deserialize(type) ?? throw new WireFormatException($"metadata of type {typeName} is null");
#pragma warning restore IL2026, IL3050
    }

    private static void Header(ArrayBufferWriter<byte> w, WireKind kind, string streamId, long sequence, long originMicros)
    {
        w.Write(Magic);
        w.Write([Version, (byte)kind]);
        Text16(w, streamId);
        I64(w, sequence);
        I64(w, originMicros);
    }

    private static void Text16(ArrayBufferWriter<byte> w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > ushort.MaxValue) throw new ArgumentException($"'{text[..40]}...' is longer than 65535 bytes");
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), (ushort)bytes.Length);
        w.Advance(2);
        w.Write(bytes);
    }

    private static void I32(ArrayBufferWriter<byte> w, int v) { BinaryPrimitives.WriteInt32LittleEndian(w.GetSpan(4), v); w.Advance(4); }
    private static void I64(ArrayBufferWriter<byte> w, long v) { BinaryPrimitives.WriteInt64LittleEndian(w.GetSpan(8), v); w.Advance(8); }

    /// <summary>Reads with a bounds check on every field.</summary>
    private struct Reader(ReadOnlyMemory<byte> data)
    {
        private int _at;
        public readonly int Remaining => data.Length - _at;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > Remaining)
                throw new WireFormatException($"truncated: {n} bytes needed at byte {_at}, {Remaining} left of {data.Length}");
            var s = data.Span.Slice(_at, n);
            _at += n;
            return s;
        }

        public void Skip(int n) => Take(n);
        public byte U8() => Take(1)[0];
        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        /// <summary>A length prefix, checked against what is left.</summary>
        public int Length()
        {
            var n = I32();
            if (n < 0 || n > Remaining) throw new WireFormatException($"truncated: a field of {n} bytes at byte {_at}, {Remaining} left of {data.Length}");
            return n;
        }

        /// <summary>An element count, checked against the smallest size one element can have.</summary>
        public int Count(int minElementSize)
        {
            var n = I32();
            if (n < 0 || (long)n * minElementSize > Remaining) throw new WireFormatException($"truncated: {n} elements announced at byte {_at}, {Remaining} bytes left");
            return n;
        }

        public ReadOnlyMemory<byte> Bytes(int n)
        {
            Take(n);
            return data.Slice(_at - n, n);
        }
    }
}
