using System.CommandLine;

namespace SlotSharp.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Print the runtime: TorchSharp backend, threads, CPU features, default compute dtype and llama.cpp's OpenMP wait");
        cmd.SetAction(_ =>
        {
            SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
            Console.WriteLine($"threads: {TorchSharp.torch.get_num_threads()}");
            Console.WriteLine($"cuda available: {TorchSharp.torch.cuda.is_available()}");
            Console.WriteLine($"cpu: {SlotSharp.Runtime.CpuFeatures.ModelName}; native bf16 (amx_bf16/avx512_bf16): {SlotSharp.Runtime.CpuFeatures.HasNativeBf16}");
            Console.WriteLine($"default compute dtype (cpu): {SlotSharp.Runtime.ComputeOptions.Name(SlotSharp.Runtime.ComputeOptions.DefaultDType(TorchSharp.torch.CPU))}");
            SlotSharp.LlamaCpp.LlamaCppRuntime.EnsureLoaded();
            Console.WriteLine($"llama.cpp OpenMP wait: {SlotSharp.LlamaCpp.LlamaCppRuntime.Wait?.ToString() ?? "not applicable on this OS"}");
            return 0;
        });
        return cmd;
    }
}
