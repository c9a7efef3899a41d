using static SlotSharp.Chat.Tools.ToolCallFormats;

namespace SlotSharp.Chat.Tools;

/// <summary>
/// Qwen2.5/Qwen3: each call is <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>, as their
/// templates ask for and render calls. Text around the blocks is content. A block not closed by the end of the output
/// (the model stopped right after its JSON) still counts when its JSON is a whole call, as in vLLM's hermes parser.
/// </summary>
internal sealed class HermesScanner : ToolCallScanner
{
    public override ScanStep Next(string buffer, bool final)
    {
        var head = TextBefore(buffer, HermesOpen, final, out int open);
        if (open != 0) return head;
        int close = buffer.IndexOf(HermesClose, HermesOpen.Length, StringComparison.Ordinal);
        if (close < 0 && !final) return ScanStep.NeedMore;
        int end = close < 0 ? buffer.Length : close + HermesClose.Length;
        var body = buffer[HermesOpen.Length..(close < 0 ? buffer.Length : close)];
        return TryParse(body) is { } json && CallFromObject(json, argumentsRequired: false, "arguments") is { } call
            ? ScanStep.Block(end, [call])
            : ScanStep.Text(end);
    }
}
