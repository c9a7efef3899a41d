using SlotSharp.Slot;

namespace SlotSharp.Extensions.AI;

/// <summary>
/// SLOT settings from ChatOptions.AdditionalProperties (documented in docs/chat-client.md): a "slot" object
/// ({"times", "lr", "optimizer", "impl"}, or a <see cref="SlotOptions"/>) and the flat keys "slot_times", "slot_lr",
/// "slot_optimizer", "slot_impl", which win over it. Any other key starting with "slot" is refused: a typo would
/// otherwise silently run with the default settings.
/// </summary>
internal static class SlotChatProperties
{
    public const string ObjectKey = "slot";
    const string FlatPrefix = "slot_";

    public static SlotOptions Read(IReadOnlyDictionary<string, object?>? properties, SlotOptions defaults)
    {
        var slot = defaults;
        if (properties == null) return slot;
        if (properties.TryGetValue(ObjectKey, out var obj))
        {
            slot = obj is SlotOptions given ? given : PropertyValues.ToEntries(obj, ObjectKey)
                .Aggregate(slot, (s, kv) => Apply(s, kv.Key, kv.Value, $"{ObjectKey}.{kv.Key}"));
        }
        foreach (var (key, value) in properties)
        {
            if (key == ObjectKey || !key.StartsWith(ObjectKey, StringComparison.Ordinal)) continue;
            if (!key.StartsWith(FlatPrefix, StringComparison.Ordinal)) throw Unknown(key);
            slot = Apply(slot, key[FlatPrefix.Length..], value, key);
        }
        try { slot.Resolve(); }
        catch (SlotSharpException e) { throw new SlotSharpException($"ChatOptions.AdditionalProperties: {e.Message}", e); }
        return slot;
    }

    static SlotOptions Apply(SlotOptions slot, string name, object? value, string key) => name switch
    {
        "times" => slot with { Times = PropertyValues.ToInt(value, key) },
        "lr" => slot with { Lr = PropertyValues.ToDouble(value, key) },
        "optimizer" => slot with
        {
            Optimizer = PropertyValues.ToText(value, key) switch
            {
                "adamw" => SlotOptimizerKind.AdamW,
                "vllm" => SlotOptimizerKind.Vllm,
                var other => throw new SlotSharpException($"ChatOptions.AdditionalProperties[\"{key}\"] must be \"adamw\" or \"vllm\", got \"{other}\""),
            },
        },
        "impl" => slot with
        {
            Impl = PropertyValues.ToText(value, key) switch
            {
                "fast" => SlotImplKind.Fast,
                "reference" => SlotImplKind.Reference,
                var other => throw new SlotSharpException($"ChatOptions.AdditionalProperties[\"{key}\"] must be \"fast\" or \"reference\", got \"{other}\""),
            },
        },
        _ => throw Unknown(key),
    };

    static SlotSharpException Unknown(string key) => new(
        $"ChatOptions.AdditionalProperties has an unknown SLOT key \"{key}\" (known: slot, slot_times, slot_lr, slot_optimizer, slot_impl; inside slot: times, lr, optimizer, impl)");
}
