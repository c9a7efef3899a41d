namespace SlotSharp.Models;

/// <summary>
/// The architectures (config.json "architectures"[0]) SlotSharp runs. Qwen2 and Llama share the checkpoint layout;
/// Qwen2 always has q/k/v biases, Llama has them when attention_bias is true (see ModelConfig).
/// </summary>
internal static class ModelFamilies
{
    public static readonly IReadOnlyList<string> Supported = ["Qwen2ForCausalLM", "LlamaForCausalLM"];

    public static void Require(string architecture, string folder)
    {
        if (!Supported.Contains(architecture))
            throw new SlotSharpException($"{Path.Combine(folder, "config.json")}: field 'architectures' names '{architecture}', which is not supported (supported: {string.Join(", ", Supported)})");
    }
}
