using LLama;
using LLama.Native;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Gguf;

/// <summary>Quantizes a GGUF file with llama.cpp's own quantizer (llama_model_quantize through LLamaSharp).</summary>
internal static class GgufQuantizer
{
    public static void Quantize(string source, string destination, GgufFileType type, int threads)
    {
        var ftype = type.Name switch
        {
            "q8_0" => LLamaFtype.MOSTLY_Q8_0,
            "q4_k_m" => LLamaFtype.MOSTLY_Q4_K_M,
            "q6_k" => LLamaFtype.MOSTLY_Q6_K,
            _ => throw new SlotSharpException($"GGUF type '{type.Name}' is not a quantized type"),
        };
        LlamaCppRuntime.EnsureLoaded();
        var tmp = destination + ".partial";
        bool ok = LLamaQuantizer.Quantize(source, tmp, ftype, threads <= 0 ? Environment.ProcessorCount : threads);
        if (!ok)
        {
            File.Delete(tmp);
            throw new SlotSharpException($"llama.cpp could not quantize {source} to {type.Name} (its log above says why)");
        }
        File.Move(tmp, destination, overwrite: true);
    }
}
