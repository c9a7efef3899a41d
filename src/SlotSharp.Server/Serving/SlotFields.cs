using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>
/// The request's "slot" object: the prompt stage's times, lr, optimizer and fit_tokens, return_delta, or a stored
/// delta to apply instead of the stage (the HTTP form of `slot generate --load-delta`).
/// </summary>
internal sealed record SlotFields(SlotOptions Options, float[]? Delta, int? FitTokens, bool ReturnDelta)
{
    /// <summary>The fewest prompt tokens a fit can use: the SLOT loss needs one predicted position after a context.</summary>
    public const int MinFitTokens = 2;

    public static SlotFields Parse(BodyFields? slot, SlotOptions defaults, SlotModel model)
    {
        if (slot == null) return new SlotFields(defaults, null, null, false);
        var optimizer = slot.String("optimizer") switch
        {
            null => defaults.Optimizer,
            "adamw" => SlotOptimizerKind.AdamW,
            "vllm" => SlotOptimizerKind.Vllm,
            var o => throw ApiError.BadRequest($"'slot.optimizer' must be adamw or vllm, got '{o}'", "slot.optimizer"),
        };
        int? times = slot.Int("times", 0, SlotOptions.MaxTimes);
        double? lr = slot.Double("lr", double.Epsilon, double.MaxValue);
        int? fitTokens = slot.Int("fit_tokens", MinFitTokens, model.ContextLength);
        bool returnDelta = slot.Bool("return_delta") ?? false;
        var delta = ParseDelta(slot, model.HiddenSize);
        if (delta != null)
        {
            // A stored delta replaces the prompt stage, so nothing that configures the stage may come with it.
            if (times is > 0 || lr != null || slot.Has("optimizer") || fitTokens != null)
                throw ApiError.BadRequest("'slot.delta' replaces the SLOT prompt stage: leave out slot.times (or give 0), slot.lr, "
                    + "slot.optimizer and slot.fit_tokens", "slot.delta");
            return new SlotFields(defaults with { Times = 0 }, delta, null, returnDelta);
        }
        var options = defaults with { Times = times ?? defaults.Times, Lr = lr ?? defaults.Lr, Optimizer = optimizer };
        return new SlotFields(options, null, fitTokens, returnDelta);
    }

    /// <summary>slot.delta: base64 of the hidden size's little-endian float32 values, all finite.</summary>
    static float[]? ParseDelta(BodyFields slot, int hiddenSize)
    {
        if (slot.String("delta") is not { } text) return null;
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { throw ApiError.BadRequest("'slot.delta' is not base64 text", "slot.delta"); }
        if (bytes.Length != hiddenSize * sizeof(float))
            throw ApiError.BadRequest($"'slot.delta' holds {bytes.Length} bytes; the model's hidden size {hiddenSize} needs "
                + $"{hiddenSize * sizeof(float)} (little-endian float32)", "slot.delta");
        var delta = new float[hiddenSize];
        for (int i = 0; i < hiddenSize; i++)
        {
            delta[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            // A NaN or infinite delta makes every biased logit NaN, as --load-delta refuses too.
            if (!float.IsFinite(delta[i])) throw ApiError.BadRequest($"'slot.delta' holds a non-finite value at index {i}", "slot.delta");
        }
        return delta;
    }

    /// <summary>A delta as slot.delta spells it: base64 of little-endian float32.</summary>
    public static string Encode(ReadOnlySpan<float> delta)
    {
        var bytes = new byte[delta.Length * sizeof(float)];
        for (int i = 0; i < delta.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), delta[i]);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>
    /// The answer's top-level "slot" object for slot.return_delta: the stage's steps, lr, optimizer and loss per step
    /// (null where not finite), and the delta the decoding used (fitted or loaded; null when SLOT did not run).
    /// </summary>
    public static JsonObject Answer(SlotSummary? s) => new()
    {
        ["times"] = s?.Times ?? 0,
        ["lr"] = s?.Lr,
        ["optimizer"] = s == null ? null : SlotOptions.Name(s.Optimizer),
        ["losses"] = new JsonArray([.. (s?.Losses ?? []).Select(l => double.IsFinite(l) ? JsonValue.Create(l) : null)]),
        ["delta"] = s == null ? null : Encode(s.Delta),
        ["delta_loaded"] = s?.Loaded ?? false,
        ["skipped"] = s?.Skipped ?? true,
    };
}
