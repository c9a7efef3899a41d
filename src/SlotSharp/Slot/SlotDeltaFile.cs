using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;

namespace SlotSharp.Slot;

/// <summary>What a saved delta records about how it was learned.</summary>
internal sealed record SlotDeltaMetadata(string Model, int HiddenSize, int Times, double Lr, string Optimizer, IReadOnlyList<double> Losses);

/// <summary>
/// A delta as a one-tensor safetensors file: 8-byte little-endian header length, JSON header with "delta"
/// (F32, [d]) and "__metadata__" (string values only, as the format requires; losses as a JSON array string), then the data.
/// </summary>
internal static class SlotDeltaFile
{
    const string TensorName = "delta";

    public static void SaveDelta(string path, ReadOnlySpan<float> delta, SlotDeltaMetadata metadata)
    {
        if (delta.Length != metadata.HiddenSize)
            throw new SlotSharpException($"SLOT delta has {delta.Length} values but metadata hidden_size is {metadata.HiddenSize}");
        var inv = CultureInfo.InvariantCulture;
        var losses = new JsonArray([.. metadata.Losses.Select(l => double.IsFinite(l) ? JsonValue.Create(l) : null)]);
        SafetensorsFile.WriteFloat32(path, [(TensorName, [delta.Length], delta.ToArray())], new Dictionary<string, string>
        {
            ["model"] = metadata.Model,
            ["hidden_size"] = metadata.HiddenSize.ToString(inv),
            ["times"] = metadata.Times.ToString(inv),
            ["lr"] = metadata.Lr.ToString("R", inv),
            ["optimizer"] = metadata.Optimizer,
            ["losses"] = losses.ToJsonString(),
        });
    }

    /// <summary>Reads a delta; refuses files whose hidden size (or model, when <paramref name="expectedModel"/> is given) differ.</summary>
    public static (float[] Delta, SlotDeltaMetadata Metadata) LoadDelta(string path, int expectedHiddenSize, string? expectedModel = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SLOT delta file '{path}' does not exist", path);
        SafetensorsFile file;
        try { file = SafetensorsFile.Open(path); }
        catch (SlotSharpException e) { throw new SlotSharpException($"SLOT delta file: {e.Message}", e); } // names the file and field
        using (file)
        {
            if (!file.Tensors.TryGetValue(TensorName, out var info)) throw Bad(path, TensorName, "tensor is missing");
            if (info.DType != "F32") throw Bad(path, "delta.dtype", $"is '{info.DType}', expected 'F32'");
            if (info.Shape.Length != 1) throw Bad(path, "delta.shape", "must have exactly one dimension");
            long d = info.Shape[0];
            if (d != expectedHiddenSize) throw Bad(path, "delta.shape", $"is [{d}] but the model's hidden size is {expectedHiddenSize}");
            if (file.Metadata.Count == 0) throw Bad(path, "__metadata__", "is missing");
            var metadata = ParseMetadata(path, file.Metadata);
            if (metadata.HiddenSize != expectedHiddenSize)
                throw Bad(path, "__metadata__.hidden_size", $"is {metadata.HiddenSize} but the model's hidden size is {expectedHiddenSize}");
            if (expectedModel is not null && metadata.Model != expectedModel)
                throw Bad(path, "__metadata__.model", $"is '{metadata.Model}' but the loaded model is '{expectedModel}'");
            var delta = file.ReadFloat32(TensorName);
            // A NaN or infinite delta makes every biased logit NaN: decoding would emit garbage ids without an error.
            if (Array.FindIndex(delta, v => !float.IsFinite(v)) is var bad and >= 0)
                throw Bad(path, TensorName, $"holds a non-finite value ({delta[bad]} at index {bad})");
            return (delta, metadata);
        }
    }

    static SlotDeltaMetadata ParseMetadata(string path, IReadOnlyDictionary<string, string> meta)
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

    static string Str(IReadOnlyDictionary<string, string> meta, string field) => meta.TryGetValue(field, out var v) ? v : "";

    static SlotSharpException Bad(string path, string field, string problem) => new($"SLOT delta file '{path}': field '{field}' {problem}");
}
