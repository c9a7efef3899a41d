using System.Text;
using System.Text.Json;
using SlotSharp.Server;
using SlotSharp.Slot;

namespace SlotSharp.Fuzz.Formats;

/// <summary>
/// The body of `slot serve`'s POST /v1/generate, taken through the server's own two steps (SlotServer.Generate):
/// System.Text.Json deserialization of GenerateRequest (a JsonException is answered 400, so it is documented)
/// and GenerateRequest.Resolve against default server settings. The model-dependent rest is not run.
/// </summary>
public sealed class GenerateRequestFormat : FuzzFormat
{
    static readonly string[] SeedBodies =
    [
        """{"prompt":"Once upon a time","max_new_tokens":16}""",
        """{"prompt_ids":[9707,11,1879,0],"max_new_tokens":8,"times":3,"lr":0.05,"slot_optimizer":"vllm","slot_impl":"fast"}""",
        """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],"max_new_tokens":64,"times":5,"lr":0.1,"temperature":0.7,"top_p":0.9,"top_k":50,"seed":1,"repetition_penalty":1.05}""",
    ];

    public override string Name => "http-generate";
    public override IReadOnlyList<byte[]> Seeds { get; } = [.. SeedBodies.Select(Encoding.UTF8.GetBytes)];

    public override void Run(byte[] input, string scratch)
    {
        var request = JsonSerializer.Deserialize<GenerateRequest>(input) ?? throw new SlotSharpException("the body is empty");
        request.Resolve(new SlotOptions());
        if (request.Messages != null) request.ChatMessages();
    }

    public override bool IsDocumentedError(Exception e) => e is JsonException;
}
