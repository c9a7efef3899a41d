namespace SlotSharp.Chat.Tools;

/// <summary>The ways the supported model families write function calls in their output (docs/tools.md).</summary>
internal enum ToolCallFormat
{
    /// <summary>Qwen2.5 and Qwen3 (Hermes style): <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,
    /// <summary>Llama 3.1: the whole answer is <c>{"name": ..., "parameters": {...}}</c> (several joined by ";"), optionally after &lt;|python_tag|&gt;.</summary>
    Llama3Json,
    /// <summary>DeepSeek-R1 (as its template renders calls): <c>&lt;｜tool▁calls▁begin｜&gt;&lt;｜tool▁call▁begin｜&gt;function&lt;｜tool▁sep｜&gt;NAME\n```json\n{...}\n```&lt;｜tool▁call▁end｜&gt;...</c></summary>
    DeepSeek,
}

/// <summary>Picks a family's format from the markers its chat template writes, and makes its scanner.</summary>
internal static class ToolCallFormats
{
    internal const string HermesOpen = "<tool_call>";
    internal const string HermesClose = "</tool_call>";
    internal const string PythonTag = "<|python_tag|>";
    internal const string DeepSeekCallsBegin = "<｜tool▁calls▁begin｜>";
    internal const string DeepSeekCallsEnd = "<｜tool▁calls▁end｜>";
    internal const string DeepSeekCallBegin = "<｜tool▁call▁begin｜>";
    internal const string DeepSeekCallEnd = "<｜tool▁call▁end｜>";
    internal const string DeepSeekSep = "<｜tool▁sep｜>";

    /// <summary>
    /// The format a template teaches its model, by the markers in its source: Qwen's &lt;tool_call&gt; tag, DeepSeek's
    /// tool-call tokens, or Llama 3's header tokens with the "parameters" JSON its tool prompt asks for. Null: none known.
    /// </summary>
    public static ToolCallFormat? Detect(string templateSource)
    {
        ArgumentNullException.ThrowIfNull(templateSource);
        if (templateSource.Contains(HermesOpen, StringComparison.Ordinal)) return ToolCallFormat.Hermes;
        if (templateSource.Contains(DeepSeekCallsBegin, StringComparison.Ordinal)) return ToolCallFormat.DeepSeek;
        if (templateSource.Contains("<|start_header_id|>", StringComparison.Ordinal)
            && (templateSource.Contains(PythonTag, StringComparison.Ordinal) || templateSource.Contains("\"parameters\"", StringComparison.Ordinal)))
            return ToolCallFormat.Llama3Json;
        return null;
    }

    /// <summary>A fresh scanner for one output (the Llama scanner keeps state).</summary>
    public static ToolCallScanner NewScanner(this ToolCallFormat format) => format switch
    {
        ToolCallFormat.Hermes => new HermesScanner(),
        ToolCallFormat.Llama3Json => new Llama3JsonScanner(),
        ToolCallFormat.DeepSeek => new DeepSeekScanner(),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The families a format serves, for messages and docs.</summary>
    public static string Families(this ToolCallFormat format) => format switch
    {
        ToolCallFormat.Hermes => "Qwen2.5/Qwen3 <tool_call>",
        ToolCallFormat.Llama3Json => "Llama 3.1 JSON",
        ToolCallFormat.DeepSeek => "DeepSeek-R1 tool-call tokens",
        _ => format.ToString(),
    };
}
