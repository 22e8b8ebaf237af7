// Command minimal is the smallest tray program on LimaBar's toolkit
// (getlantern/systray, one icon, one item): the yardstick the benchmarks
// hold LimaBar's start-up time and memory against, so that what the toolkit
// costs by itself is not counted against LimaBar.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/getlantern/systray"

	"github.com/limabar/limabar/assets"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		systray.Quit()
	}()
	systray.Run(func() {
		systray.SetTemplateIcon(assets.TemplateIcon2x, assets.TrayIcon)
		quit := systray.AddMenuItem("Quit", "")
		go func() {
			<-quit.ClickedCh
			systray.Quit()
		}()
	}, func() {})
}
