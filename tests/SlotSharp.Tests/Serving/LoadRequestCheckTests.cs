using SlotSharp.Cli.Commands;

namespace SlotSharp.Tests.Serving;

/// <summary>The load driver's answer checks accept OpenAI's shapes and name what is wrong with others (hand-written bodies).</summary>
public class LoadRequestCheckTests
{
    static readonly LoadRequestKind Completions = new(Chat: false, Stream: false, Slot: false, Disconnect: false);
    static readonly LoadRequestKind ChatStream = new(Chat: true, Stream: true, Slot: false, Disconnect: false);

    const string Usage = """{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}""";

    [SkippableFact]
    public void AWholeCompletionIsCheckedForTextFinishReasonAndUsage()
    {
        string Whole(string finish, string usage, string obj = "text_completion") =>
            $$"""{"object": "{{obj}}", "choices": [{"index": 0, "text": "ab", "finish_reason": "{{finish}}"}], "usage": {{usage}}}""";
        Assert.Equal((2, null), Completions.CheckWhole(Whole("length", Usage), maxTokens: 2));
        Assert.Contains("finish_reason", Completions.CheckWhole(Whole("done", Usage), 2).Problem);
        Assert.Contains("usage", Completions.CheckWhole(Whole("stop", """{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 6}"""), 2).Problem);
        Assert.Contains("usage", Completions.CheckWhole(Whole("stop", Usage), maxTokens: 1).Problem); // more tokens than asked for
        Assert.Contains("object", Completions.CheckWhole(Whole("stop", Usage, "chat.completion"), 2).Problem);
        Assert.Contains("not JSON", Completions.CheckWhole("{", 2).Problem);
    }

    [SkippableFact]
    public void AStreamNeedsJsonChunksAFinishAUsageChunkAndDone()
    {
        const string Role = """{"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}""";
        const string Finish = """{"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": "stop"}]}""";
        const string UsageChunk = """{"object": "chat.completion.chunk", "choices": [], "usage": """ + Usage + "}";
        Assert.Equal((2, null), ChatStream.CheckStream([Role, Finish, UsageChunk, "[DONE]"], 2));
        Assert.NotNull(ChatStream.CheckStream([Role, Finish, UsageChunk], 2).Problem); // no [DONE]
        Assert.Contains("finish_reason", ChatStream.CheckStream([Role, Role, UsageChunk, "[DONE]"], 2).Problem);
        Assert.Contains("error event", ChatStream.CheckStream([Role, """{"error": {"message": "boom", "type": "server_error"}}""", UsageChunk, "[DONE]"], 2).Problem);
        Assert.Contains("not JSON", ChatStream.CheckStream([Role, "{", UsageChunk, "[DONE]"], 2).Problem);
    }

    [SkippableFact]
    public void ErrorBodiesMustBeOpenAiShaped()
    {
        Assert.True(LoadRequestKind.IsOpenAiError("""{"error": {"message": "busy", "type": "rate_limit_error", "param": null, "code": null}}"""));
        Assert.False(LoadRequestKind.IsOpenAiError("""{"error": "busy"}"""));
        Assert.False(LoadRequestKind.IsOpenAiError(""));
    }
}
