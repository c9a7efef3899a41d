using System.CommandLine;

namespace SlotSharp.Cli.Commands;

public static class VersionCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Print the runtime: TorchSharp backend, threads, CPU features and default compute dtype");
        cmd.SetAction(_ =>
        {
            SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
            Console.WriteLine($"threads: {TorchSharp.torch.get_num_threads()}");
            Console.WriteLine($"cuda available: {TorchSharp.torch.cuda.is_available()}");
            return 0;
        });
        return cmd;
    }
}
