cask "limabar" do
  version "1.2.3"
  sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

  url "https://github.com/limabar/limabar/releases/download/v#{version}/LimaBar-v#{version}-macos-universal.zip"
  name "LimaBar"
  desc "Menu bar switches to start Lima instances at login or at boot"
  homepage "https://github.com/limabar/limabar"

  # LSMinimumSystemVersion of LimaBar.app (scripts/bundle.sh): 12.0.
  depends_on macos: ">= :monterey"

  app "LimaBar.app"

  # Only LimaBar's own login agent (Open LimaBar at Login). The jobs of
  # the user's Lima instances belong to the user and to limactl, and outlive
  # LimaBar; `limabar disable --all` removes them.
  uninstall quit:      "io.github.limabar",
            launchctl: "io.github.limabar"

  zap trash: [
    "~/Library/Application Support/LimaBar",
    "~/Library/Logs/LimaBar",
    "~/Library/Preferences/io.github.limabar.plist",
  ]

  caveats <<~EOS
    LimaBar is not notarized by Apple yet, so macOS blocks it the first time.
    Open LimaBar once, then allow it in System Settings > Privacy & Security
    with Open Anyway; macOS asks only once.
  EOS
end
