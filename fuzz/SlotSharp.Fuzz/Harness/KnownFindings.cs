namespace SlotSharp.Fuzz.Harness;

/// <summary>A crash signature whose fix belongs to another change in flight, with a seed that reproduces it.</summary>
public sealed record PendingFinding(string Format, string Signature, string Seed, string Note);

/// <summary>
/// Crash signatures found by this harness whose fix belongs to another change in flight. The CI fuzz test
/// reports these instead of failing, and fails once one of them no longer reproduces: remove that entry then
/// (the smoke test guards it from there on). Seeds are for `--count` runs with `--seed 1`.
/// </summary>
public static class KnownFindings
{
    const string ConfigValidation = "config.json / generation_config.json validation";
    const string TokenizerConfigOwner = "tokenizer_config.json parsing (TokenizerConfig.cs)";
    const string ChatTemplateOwner = "chat templates (ChatTemplate.cs reads tokenizer_config.json itself)";
    const string SafetensorsOwner = "safetensors header validation";
    const string TokenizerOwner = "tokenizer.json loading (HfTokenizer's id table is sized by the largest id)";
    const string ServeOwner = "slot serve request validation (GenerateRequest.cs)";

    public static IReadOnlyList<PendingFinding> Pending { get; } =
    [
        new("config.json", "Crash InvalidOperationException at ModelConfig.Parse", "9sDD1hyiEY1FkRg11", ConfigValidation + ": architectures[0] not a string"),
        new("config.json", "Crash DivideByZeroException at ModelConfig.Parse", "bMTiExIKwR1FkRg11", ConfigValidation + ": num_attention_heads 0"),
        new("config.json", "Crash InvalidOperationException at JsonFields.Long", "5DfIWAMkSE7FkRg11", ConfigValidation + ": string with a lone surrogate where an integer belongs"),
        new("config.json", "Crash InvalidOperationException at JsonFields.IdList", "95NoUtm9isOFkRg11", ConfigValidation + ": eos_token_id list holding a non-integer"),
        new("config.json", "Crash NullReferenceException at ModelConfig.Parse", "12qlalKkKIeFkRg11", ConfigValidation + ": architectures [null]"),
        new("config.json", "Crash InvalidOperationException at JsonFields.Bool", "5x_-lzXyTQDFkRg11", ConfigValidation + ": string with a lone surrogate where a boolean belongs"),
        new("generation_config.json", "Crash InvalidOperationException at JsonFields.Bool", "ccGW6w25Rl-GNqYu3", ConfigValidation + ": string with a lone surrogate where a boolean belongs"),
        new("generation_config.json", "Crash InvalidOperationException at JsonFields.IdList", "1Vc_6rSek9VGNqYu3", ConfigValidation + ": eos_token_id list holding a non-integer"),
        new("tokenizer.json", "Crash OverflowException at HfTokenizer..ctor", "foLzSCeee64_oGIb1", TokenizerOwner + ": a vocab id of 2147483647"),
        new("tokenizer.json", "OverMemory OutOfMemoryException at HfTokenizer..ctor", "64YSKTKGPXr_oGIb1", TokenizerOwner + ": a vocab id of 978309063 asks for 8.8 GB"),
        new("tokenizer_config.json", "Crash InvalidOperationException at TokenizerConfig.Parse", "fuYAoKNiLWQDdDMU1", TokenizerConfigOwner + ": lone surrogate escape in chat_template"),
        new("tokenizer_config.json", "Crash InvalidOperationException at TokenizerConfig.TokenString", "53TsFVFP8FUDdDMU1", TokenizerConfigOwner + ": lone surrogate escape in a special token"),
        new("tokenizer_config.json", "Crash InvalidOperationException at ChatTemplate.TemplateFromConfig", "7zMCwCJ1PwqDdDMU1", ChatTemplateOwner + ": invalid UTF-8 in chat_template"),
        new("tokenizer_config.json", "Crash InvalidOperationException at ChatTemplate.TokenContent", "2UOxpwHLp94DdDMU1", ChatTemplateOwner + ": invalid UTF-8 in a special token"),
        new("safetensors", "Crash InvalidOperationException at SafetensorsFile.ParseHeader", "3kRiTm45UHqSk5p4", SafetensorsOwner + ": lone surrogate escape in a tensor name or dtype"),
        new("delta", "Crash InvalidOperationException at SafetensorsFile.ParseHeader", "863sIRp8FtuxMn0H1", SafetensorsOwner + ": lone surrogate escape in the header"),
        new("http-generate", "Crash NullReferenceException at GenerateRequest.Resolve", "0sLDQ7A3xgS7SfRc1", ServeOwner + ": \"messages\": [null]"),
    ];

    /// <summary>
    /// The note of the pending entry with the same format, outcome and exception type. The frame is left out of the
    /// match on purpose: which SlotSharp method is innermost depends on what the JIT inlined (tier-0 code keeps
    /// small helpers such as TokenizerConfig.TokenString, tier-1 code folds them into their caller).
    /// </summary>
    public static string? PendingNote(string format, string signature) =>
        Pending.FirstOrDefault(p => p.Format == format && SameCause(p.Signature, signature))?.Note;

    /// <summary>True when two signatures agree on outcome and exception type ("Crash OverflowException").</summary>
    public static bool SameCause(string a, string b) => Cause(a) == Cause(b);

    static string Cause(string signature) => signature.Split(" at ")[0];
}
