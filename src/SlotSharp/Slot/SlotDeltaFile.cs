using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SlotSharp.Slot;

/// <summary>What a saved delta records about how it was learned.</summary>
public sealed record SlotDeltaMetadata(string Model, int HiddenSize, int Times, double Lr, string Optimizer, IReadOnlyList<double> Losses);

/// <summary>
/// A delta as a one-tensor safetensors file: 8-byte little-endian header length, JSON header with "delta"
/// (F32, [d]) and "__metadata__" (string values only, as the format requires; losses as a JSON array string), then the data.
/// </summary>
public static class SlotDeltaFile
{
    const string TensorName = "delta";

    public static void SaveDelta(string path, ReadOnlySpan<float> delta, SlotDeltaMetadata metadata)
    {
        if (delta.Length != metadata.HiddenSize)
            throw new SlotSharpException($"SLOT delta has {delta.Length} values but metadata hidden_size is {metadata.HiddenSize}");
        var inv = CultureInfo.InvariantCulture;
        var losses = new JsonArray([.. metadata.Losses.Select(l => double.IsFinite(l) ? JsonValue.Create(l) : null)]);
        var header = new JsonObject
        {
            [TensorName] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(delta.Length),
                ["data_offsets"] = new JsonArray(0, delta.Length * sizeof(float)),
            },
            ["__metadata__"] = new JsonObject
            {
                ["model"] = metadata.Model,
                ["hidden_size"] = metadata.HiddenSize.ToString(inv),
                ["times"] = metadata.Times.ToString(inv),
                ["lr"] = metadata.Lr.ToString("R", inv),
                ["optimizer"] = metadata.Optimizer,
                ["losses"] = losses.ToJsonString(),
            },
        };
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // keep the data 8-byte aligned, padding with spaces as safetensors does
        var bytes = new byte[8 + padded + delta.Length * sizeof(float)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        for (int i = 0; i < delta.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + padded + 4 * i), delta[i]);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Reads a delta; refuses files whose hidden size (or model, when <paramref name="expectedModel"/> is given) differ.</summary>
    public static (float[] Delta, SlotDeltaMetadata Metadata) LoadDelta(string path, int expectedHiddenSize, string? expectedModel = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SLOT delta file '{path}' does not exist", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw Bad(path, "header length", "file is shorter than 8 bytes");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw Bad(path, "header length", $"{headerLength} exceeds the file size");
        JsonObject header;
        try { header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject() ?? throw Bad(path, "header", "is empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw Bad(path, "header", $"is not a JSON object ({e.Message})"); }

        var tensor = header[TensorName] as JsonObject ?? throw Bad(path, TensorName, "tensor is missing");
        var dtype = Str(tensor, "dtype");
        if (dtype != "F32") throw Bad(path, "delta.dtype", $"is '{dtype}', expected 'F32'");
        var shape = tensor["shape"] as JsonArray;
        if (shape is null || shape.Count != 1) throw Bad(path, "delta.shape", "must have exactly one dimension");
        long d = shape[0]!.GetValue<long>();
        if (d != expectedHiddenSize) throw Bad(path, "delta.shape", $"is [{d}] but the model's hidden size is {expectedHiddenSize}");
        var offsets = tensor["data_offsets"] as JsonArray;
        if (offsets is null || offsets.Count != 2) throw Bad(path, "delta.data_offsets", "must be [begin, end]");
        long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
        long dataStart = 8 + (long)headerLength;
        if (end - begin != d * sizeof(float) || begin < 0 || dataStart + end > bytes.Length)
            throw Bad(path, "delta.data_offsets", $"[{begin}, {end}] do not hold {d} float32 values inside the file");

        var meta = header["__metadata__"] as JsonObject ?? throw Bad(path, "__metadata__", "is missing");
        var metadata = ParseMetadata(path, meta);
        if (metadata.HiddenSize != expectedHiddenSize)
            throw Bad(path, "__metadata__.hidden_size", $"is {metadata.HiddenSize} but the model's hidden size is {expectedHiddenSize}");
        if (expectedModel is not null && metadata.Model != expectedModel)
            throw Bad(path, "__metadata__.model", $"is '{metadata.Model}' but the loaded model is '{expectedModel}'");

        var delta = new float[d];
        for (int i = 0; i < d; i++)
            delta[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4 * i)));
        return (delta, metadata);
    }

    static SlotDeltaMetadata ParseMetadata(string path, JsonObject meta)
    {
        var inv = CultureInfo.InvariantCulture;
        var hidden = Str(meta, "hidden_size");
        var times = Str(meta, "times");
        var lr = Str(meta, "lr");
        if (!int.TryParse(hidden, NumberStyles.Integer, inv, out var h)) throw Bad(path, "__metadata__.hidden_size", $"'{hidden}' is not an integer");
        if (!int.TryParse(times, NumberStyles.Integer, inv, out var t)) throw Bad(path, "__metadata__.times", $"'{times}' is not an integer");
        if (!double.TryParse(lr, NumberStyles.Float, inv, out var l)) throw Bad(path, "__metadata__.lr", $"'{lr}' is not a number");
        List<double> losses;
        try { losses = [.. (JsonNode.Parse(Str(meta, "losses")) as JsonArray ?? []).Select(n => n is null ? double.NaN : n.GetValue<double>())]; }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { throw Bad(path, "__metadata__.losses", "is not a JSON array of numbers"); }
        return new SlotDeltaMetadata(Str(meta, "model"), h, t, l, Str(meta, "optimizer"), losses);
    }

    static string Str(JsonObject obj, string field)
    {
        try { return obj[field]?.GetValue<string>() ?? ""; }
        catch (InvalidOperationException) { return obj[field]?.ToJsonString() ?? ""; }
    }

    static SlotSharpException Bad(string path, string field, string problem) => new($"SLOT delta file '{path}': field '{field}' {problem}");
}
